import Testing

/// A test's safety net ran out: what it waited for never happened.
struct NeverHappened: Error {}

/// Yields until `condition` holds, for a state there is no event to await ("a read now
/// waits", "the signal's reading thread has handed the delivery over"). Gives up, failing the
/// test, after a generous deadline instead of hanging.
func eventually(
  sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async throws {
  let deadline = ContinuousClock.now + .seconds(60)
  while !condition() {
    if ContinuousClock.now > deadline {
      Issue.record("the expected state was never reached", sourceLocation: sourceLocation)
      throw NeverHappened()
    }
    await Task.yield()
  }
}
