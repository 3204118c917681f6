// The runner's packet capture (libpcap), one process per namespace, started by `netns run`:
//
//   phantasm netns capture --json FILE [--wire IFACE]... [--echo-port P] [--sink-port P]
//                          [--tunnel-port P] [--pcap PREFIX]
//
// --wire: a link whose packets are checked (capture_analysis.h WireCheck). --echo-port: on
// the loopback, datagrams from the tunnel's UDP entry back to the senders (echoes);
// --sink-port: on the loopback, datagrams reaching the sink. Both are timed per udpgen flow
// (FlowGaps). --pcap: also write PREFIX-IFACE.pcap. Prints "ready" once every handle is
// active; runs until SIGTERM/SIGINT, then writes the JSON.
#pragma once

namespace phantasm::netns {

int run_capture(int argc, char** argv);

}  // namespace phantasm::netns
