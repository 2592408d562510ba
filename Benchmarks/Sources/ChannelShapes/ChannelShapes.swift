// The five channel shapes of issue 13, written once with StarlingChannels: the `Channels`
// benchmarks (ordo-one/benchmark, with allocation counts) and the `ChannelShapesRunner`
// executable (for callgrind and perf) both run exactly this code, and
// Benchmarks/Go/chanbench.go is the same five shapes in Go.
//
// Each function moves `messages` messages (for ping-pong: `messages / 2` round trips, two
// messages each) through channels it makes, with tasks it starts, and returns a sum of what was
// received so that nothing can be optimised away.

import StarlingChannels

/// The shapes, by the names the benchmarks and chanbench.go use.
public enum ChannelShapes {
  /// The capacity of the buffered channels.
  public static let bufferCapacity = 128

  /// How many producers (and, for 4->4, consumers) the many-task shapes have.
  public static let taskCount = 4

  /// Every shape's name with its function.
  public static let all: [(name: String, run: @Sendable (Int) async throws -> Int)] = [
    ("Buffered 1->1", bufferedOneToOne),
    ("Rendezvous 1->1", rendezvousOneToOne),
    ("Ping-pong", pingPong),
    ("Buffered 4->4", bufferedManyToMany),
    ("Select over 4", selectOverFour),
  ]

  /// 1 producer -> 1 consumer over one channel of capacity 128.
  public static func bufferedOneToOne(messages: Int) async throws -> Int {
    try await oneToOne(Channel<Int>(capacity: bufferCapacity), messages: messages)
  }

  /// 1 producer -> 1 consumer over one rendezvous channel.
  public static func rendezvousOneToOne(messages: Int) async throws -> Int {
    try await oneToOne(Channel<Int>(), messages: messages)
  }

  private static func oneToOne(_ channel: Channel<Int>, messages: Int) async throws -> Int {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for index in 0..<messages { try await channel.send(index) }
        channel.close()
      }
      var sum = 0
      while let value = try await channel.receive() { sum &+= value }
      try await group.waitForAll()
      return sum
    }
  }

  /// `messages / 2` round trips: a ping over one rendezvous channel, its pong over another.
  public static func pingPong(messages: Int) async throws -> Int {
    let ping = Channel<Int>()
    let pong = Channel<Int>()
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        while let value = try await ping.receive() { try await pong.send(value) }
      }
      var sum = 0
      for index in 0..<(messages / 2) {
        try await ping.send(index)
        sum &+= try await pong.receive() ?? 0
      }
      ping.close()
      try await group.waitForAll()
      return sum
    }
  }

  /// 4 producers -> 4 consumers over one channel of capacity 128.
  public static func bufferedManyToMany(messages: Int) async throws -> Int {
    let channel = Channel<Int>(capacity: bufferCapacity)
    return try await withThrowingTaskGroup(of: Int.self) { group in
      group.addTask {
        try await withThrowingDiscardingTaskGroup { producers in
          for producer in 0..<taskCount {
            producers.addTask {
              for index in share(of: messages, for: producer) { try await channel.send(index) }
            }
          }
        }
        channel.close()
        return 0
      }
      for _ in 0..<taskCount {
        group.addTask {
          var sum = 0
          while let value = try await channel.receive() { sum &+= value }
          return sum
        }
      }
      var sum = 0
      for try await partial in group { sum &+= partial }
      return sum
    }
  }

  /// One consumer `select`s over 4 channels of capacity 128, each fed by its own producer. The
  /// four cases are written out, as Go's `select` statement has them.
  public static func selectOverFour(messages: Int) async throws -> Int {
    let channels = (0..<taskCount).map { _ in Channel<Int>(capacity: bufferCapacity) }
    let (c0, c1, c2, c3) = (channels[0], channels[1], channels[2], channels[3])
    return try await withThrowingTaskGroup(of: Void.self) { group in
      for producer in 0..<taskCount {
        group.addTask {
          for index in share(of: messages, for: producer) { try await channels[producer].send(index) }
        }
      }
      var sum = 0
      for _ in 0..<messages {
        let value = try await select {
          onReceive(c0) { $0 }
          onReceive(c1) { $0 }
          onReceive(c2) { $0 }
          onReceive(c3) { $0 }
        }
        sum &+= value ?? 0
      }
      try await group.waitForAll()
      return sum
    }
  }

  /// The messages producer `producer` of ``taskCount`` sends when they send `count` in all.
  static func share(of count: Int, for producer: Int) -> Range<Int> {
    (count * producer / taskCount)..<(count * (producer + 1) / taskCount)
  }
}
