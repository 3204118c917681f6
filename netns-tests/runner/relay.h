// The userspace relay: hosts one scenario middlebox's models on real traffic in its namespace.
// An iptables raw-table rule (-j NFQUEUE, before conntrack) hands every TCP packet the box
// forwards to the relay; the model pipeline decides. The packet itself goes on as the queue's
// verdict (rewritten if the model changed it, later if it delayed it); packets the models made
// up go out through raw sockets. Direction comes from the input interface: "lan" faces the
// client, "wan" the server.
//
//   phantasm netns relay --scenario FILE --box NAME --queue N [--seed S] [--stats FILE]
// Reads commands on stdin, one per line: "trigger" (a scenario's inject_rst event).
// SIGTERM: releases held packets, writes the stats JSON and exits 0.
#pragma once

namespace phantasm::netns {

int run_relay(int argc, char** argv);

}  // namespace phantasm::netns
