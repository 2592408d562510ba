// Runs one channel shape (or all) outside the benchmark tool, for profilers:
//
//   .build/release/ChannelShapesRunner [SHAPE-SUBSTRING] [MESSAGES-PER-ROUND] [ROUNDS]
//
// e.g. `valgrind --tool=callgrind .build/release/ChannelShapesRunner Rendezvous 1000 200`.
// Prints each shape's best and median wall-clock time per message over the rounds (for
// ping-pong, per message: a round trip is two).

import ChannelShapes

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let filter = arguments.first ?? ""
let messages = arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000
let rounds = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 200

// The main thread only sleeps: the shapes run in a task on the default executor, and exit when
// done. (An `await` at the top level would park the main thread in dispatch_main's
// sigsuspend, where valgrind 3.19 crashes.)
Task.detached { [filter, messages, rounds] in
  try await runShapes(filter: filter, messages: messages, rounds: rounds)
  exit(0)
}
while true { sleep(1_000) }

@concurrent func runShapes(filter: String, messages: Int, rounds: Int) async throws {
  let clock = ContinuousClock()
  for shape in ChannelShapes.all where filter.isEmpty || shape.name.contains(filter) {
    var samples: [Double] = []
    var sink = 0
    for _ in 0..<rounds {
      let start = clock.now
      sink &+= try await shape.run(messages)
      let elapsed = clock.now - start
      let nanoseconds =
        Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
      samples.append(nanoseconds / Double(messages))
    }
    samples.sort()
    let best = samples[0]
    let median = samples[samples.count / 2]
    print(
      "\(shape.name): best \(Int(best)) ns/msg, p50 \(Int(median)) ns/msg (\(rounds) x \(messages), \(sink % 10))"
    )
  }
}
