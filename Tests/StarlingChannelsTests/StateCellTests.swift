import Testing

@testable import StarlingChannels

/// Yields until `condition` holds: for waiting on another task's progress without sleeping.
private func waitUntil(_ condition: () -> Bool) async {
  while !condition() { await Task.yield() }
}

@Suite(.timeLimit(.minutes(5))) struct StateCellTests {
  @Test func getReturnsAtOnceWhenSet() async throws {
    let cell = StateCell(7)
    #expect(cell.value == 7)
    #expect(try await cell.get() == 7)
    #expect(try await cell.get() == 7)  // reading does not take the value
    cell.set(8)
    #expect(try await cell.get() == 8)
    #expect(cell.waiterCount == 0)
  }

  @Test func getWaitsUntilSet() async throws {
    let cell = StateCell<String>()
    #expect(cell.value == nil)
    let reader = Task { try await cell.get() }
    await waitUntil { cell.waiterCount == 1 }
    cell.set("ready")
    #expect(try await reader.value == "ready")
    #expect(cell.waiterCount == 0)
    #expect(cell.value == "ready")
  }

  @Test func setWakesEveryWaiter() async throws {
    let cell = StateCell<Int>()
    let readers = 50
    try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<readers {
        group.addTask { try await cell.get() }
      }
      await waitUntil { cell.waiterCount == readers }
      cell.set(42)
      var results: [Int] = []
      for try await value in group { results.append(value) }
      #expect(results == Array(repeating: 42, count: readers))
    }
    #expect(cell.waiterCount == 0)
  }

  @Test func wokenReadersGetTheValueTheyWereWokenWith() async throws {
    let cell = StateCell<Int>()
    let reader = Task { try await cell.get() }
    await waitUntil { cell.waiterCount == 1 }
    cell.set(1)
    cell.set(2)
    cell.clear()
    #expect(try await reader.value == 1)
  }

  @Test func clearEmptiesTheCell() async throws {
    let cell = StateCell("first")
    cell.clear()
    #expect(cell.value == nil)
    let reader = Task { try await cell.get() }
    await waitUntil { cell.waiterCount == 1 }
    #expect(cell.value == nil)
    cell.set("second")
    #expect(try await reader.value == "second")
    cell.clear()
    cell.clear()
    #expect(cell.value == nil)
  }

  @Test func cancellingAWaitingGetThrowsAndLeavesNoWaiter() async throws {
    let cell = StateCell<Int>()
    let reader = Task { try await cell.get() }
    await waitUntil { cell.waiterCount == 1 }
    reader.cancel()
    await #expect(throws: CancellationError.self) { try await reader.value }
    #expect(cell.waiterCount == 0)
    cell.set(3)  // nobody is left to resume (a double resume would crash)
    #expect(try await cell.get() == 3)
  }

  @Test func getInAnAlreadyCancelledTask() async throws {
    let cell = StateCell<Int>()
    let gate = StateCell<Bool>()
    let reader = Task { () -> (any Error)? in
      _ = try? await gate.get()  // cancelled while (or before) it waits here
      do {
        _ = try await cell.get()
        return nil
      } catch {
        return error
      }
    }
    reader.cancel()
    gate.set(true)
    #expect(await reader.value is CancellationError)
    #expect(cell.waiterCount == 0)

    // A value the cell holds is returned even to a cancelled task.
    cell.set(5)
    let late = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await cell.get()
    }
    #expect(try await late.value == 5)
  }

  @Test func concurrentSettersAndReaders() async throws {
    let cell = StateCell<Int>()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for reader in 0..<20 {
        group.addTask {
          let value = try await cell.get()
          #expect((0..<20).contains(value), "reader \(reader) got \(value)")
        }
      }
      for writer in 0..<20 {
        group.addTask { cell.set(writer) }
      }
      try await group.waitForAll()
    }
    #expect(cell.waiterCount == 0)
    #expect(cell.value != nil)
  }
}
