#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The pages of one listing are linked together and joined on the last page.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture user-list.txt)

expect_equal "page 1 entries: status" "0,0,1" "$(field_of "$pcap" 4 imup.user.status)"
expect_equal "page 1 entries: ids" "0,1,2" "$(field_of "$pcap" 4 imup.user.id)"
expect_equal "page 1 entries: name lengths" "5,4,3" "$(field_of "$pcap" 4 imup.user.name_length)"
expect_equal "page 1 entries: names" "Sheng,Lucy,Bob" "$(field_of "$pcap" 4 imup.user.name)"
expect_equal "page 1 says more pages follow" "1" "$(field_of "$pcap" 4 imup.list.more)"
expect_equal "page 2 is the last" "0" "$(field_of "$pcap" 6 imup.list.more)"
expect_equal "the second request starts at id 3" "3" "$(field_of "$pcap" 5 imup.list.start_id)"
expect_equal "page numbers" "1|2|1" \
    "$(fields_of "$pcap" imup.list.page '|' 4 6 8)"
expect_equal "page 1 links to page 2" "6" "$(field_of "$pcap" 4 imup.list.page_in)"
expect_equal "page 2 links to page 1" "4" "$(field_of "$pcap" 6 imup.list.page_in)"
expect_equal "the joined listing counts 5 users" "5" "$(field_of "$pcap" 6 imup.list.users)"
expect_equal "page 2 shows its own entries" "Zoé,Ann" "$(field_of "$pcap" 6 imup.user.name)"
expect_equal "then the whole list, joined" "Sheng,Lucy,Bob,Zoé,Ann" "$(field_of "$pcap" 6 imup.list.user)"
expect_equal "a new empty request starts a new listing" "" "$(field_of "$pcap" 8 imup.list.page_in)"
expect_equal "Info of a page with more to come" "User list page seq=1 users=3 [more]" "$(field_of "$pcap" 4 _ws.col.Info)"
expect_equal "Info of the follow-up request" "List request seq=2 from id 3" "$(field_of "$pcap" 5 _ws.col.Info)"
expect_equal "an empty page is a list of no users" "User list page seq=4 users=0" "$(field_of "$pcap" 10 _ws.col.Info)"
# Page 1 holds 3 users yet says more follow: §11 fills each page, so only
# that M is flagged (list_more_flag), and nothing else of the listing.
expect_equal "no expert info on the listing but its short page with M" "4" "$(frames_matching "$pcap" _ws.expert)"
expect_equal "which is imup.list_more_flag" "4" "$(frames_matching "$pcap" imup.list_more_flag)"
if ts -r "$pcap" -2 -V -Y "frame.number == 6" 2>/dev/null | grep -q "Joined user list: 5 users in 2 pages"; then
    pass "the joined list is a subtree of the last page, from its own data source"
else
    fail "no 'Joined user list' subtree on the last page"
fi
finish
