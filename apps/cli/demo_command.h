// `phantasm demo`: runs a client and a server engine back to back over the in-memory wire and
// shows what crossed, what the engines counted and what the first packets looked like.
#pragma once

namespace phantasm::cli {

// argv[0] is "demo". Exit status: 0 done, 1 the run found a fault (corrupted or misrouted
// datagrams, a stuck engine timer), 2 bad usage.
int run_demo(int argc, char** argv);

}  // namespace phantasm::cli
