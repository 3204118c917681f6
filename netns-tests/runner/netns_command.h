// `phantasm netns`: run scenarios in network namespaces (run), and the helpers the runner
// starts inside them (relay, probe).
//
//   phantasm netns run FILE... | --all [DIR] [--quick] [--json FILE] [--markdown FILE]
//                      [--udp2raw PATH] [--phantun-client PATH --phantun-server PATH]
//                      [--client-bin PATH --server-bin PATH] [--keep-logs]
// Exit status: 0 every Phantasm run got its expected verdict, 1 otherwise, 77 not root, 2 usage.
#pragma once

namespace phantasm::netns {

int run_netns_command(int argc, char** argv);

}  // namespace phantasm::netns
