// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §9-§11: invitations, groups, peers, the user list.
#include "fault.hpp"

namespace imup::fault_relay {

std::vector<Fault> group_faults() { return {}; }

}  // namespace imup::fault_relay
