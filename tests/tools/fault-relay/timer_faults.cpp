// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §7 and §14: the server's retransmissions and its return-path
// probes.
#include <map>
#include <memory>
#include <tuple>

#include "fault.hpp"

namespace imup::fault_relay {
namespace {

// How many times the server has sent these bytes to this client so far
// (this one included).
class Copies {
 public:
  unsigned count(const Datagram& d) { return ++seen_[{d.client, d.bytes}]; }

 private:
  std::map<std::pair<Endpoint, Bytes>, unsigned> seen_;
};

// The 8 a client would send for the server's request D.
Bytes ack_for(const Datagram& d) { return encode(Message{d.header->seq, Ack{}}); }

// A fault on the server's 9s: HOOK gets each with the number of times the
// server has sent it so far.
Fault on_relayed_copies(std::string name, std::string breaks, std::string description,
                        std::function<Verdict(Relay&, Datagram&, unsigned)> hook) {
  auto copies = std::make_shared<Copies>();
  return {std::move(name), std::move(breaks), std::move(description), {},
          [copies, hook = std::move(hook)](Relay& r, Datagram& d) {
            if (!is(d, MessageType::Relayed)) return Verdict::Pass;
            return hook(r, d, copies->count(d));
          }};
}

}  // namespace

std::vector<Fault> timer_faults() {
  std::vector<Fault> f;

  f.push_back({"fast-resend", "7-server-resends-no-sooner-than-2s", "every 9 is sent again 1 s later, same bytes",
               {},
               [](Relay& r, Datagram& d) {
                 if (is(d, MessageType::Relayed)) r.later(1000, d.client, d.bytes, false);
                 return Verdict::Pass;
               }});
  // The server's first resend (2-3 s after the first sending) goes on, then
  // copies every 2 s in place of the server's own.
  f.push_back(on_relayed_copies("fixed-resend-interval", "7-server-resends-back-off",
                                "an unacknowledged 9 is sent again at a fixed 2 s interval, without backing off",
                                [](Relay& r, Datagram& d, unsigned n) {
                                  if (n == 1) return Verdict::Pass;
                                  if (n == 2) {
                                    r.to_client(d.client, d.bytes);
                                    r.later(2000, d.client, d.bytes, false);
                                    r.later(4000, d.client, d.bytes, false);
                                  }
                                  return Verdict::Drop;
                                }));
  f.push_back(on_relayed_copies("resend-past-tries", "7-server-gives-up-after-tries",
                                "after its last try of a 9 the server sends it twice more, 4 s apart",
                                [](Relay& r, Datagram& d, unsigned n) {
                                  if (n == kTries) {
                                    r.later(4000, d.client, d.bytes, false);
                                    r.later(8000, d.client, d.bytes, false);
                                  }
                                  return Verdict::Pass;
                                }));
  f.push_back({"no-return-path-probe", "14-connect-return-path-probe",
               "no liveness probe after the 8: the server counts a new endpoint as proved at once",
               {},
               [](Relay& r, Datagram& d) {
                 if (!is(d, MessageType::LivenessProbe)) return Verdict::Pass;
                 r.to_server(d.client, ack_for(d));
                 return Verdict::Drop;
               }});
  f.push_back({"probe-proves-itself", "14-unproved-endpoint-removed",
               "sending the probe counts as proof: an endpoint that never answers it keeps its name",
               {},
               [](Relay& r, Datagram& d) {
                 if (is(d, MessageType::LivenessProbe)) r.to_server(d.client, ack_for(d));
                 return Verdict::Pass;
               }});
  return f;
}

}  // namespace imup::fault_relay
