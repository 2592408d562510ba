import StarlingPipeline
import Testing

@testable import StarlingCommandLine

/// `--instances`: which workers the supervisor starts, restarts and stops, driven with
/// made-up times.
@Suite(.timeLimit(.minutes(5)))
struct InstanceSupervisorStateMachineTests {
  typealias Machine = InstanceSupervisorStateMachine<ContinuousClock.Instant>

  let start = ContinuousClock.now
  func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

  func machine(_ count: Int) -> Machine {
    Machine(
      count: count, backoff: Backoff(minimum: .seconds(1), maximum: .seconds(30)), stableAfter: .seconds(60))
  }

  /// Three workers, all started and ready.
  func running() -> Machine {
    var machine = machine(3)
    #expect(machine.start() == [.start(1), .start(2), .start(3)])
    for index in 1...3 { machine.ready(index, at: at(0)) }
    return machine
  }

  @Test func aWorkerThatDiesIsRestartedAfterABackoffThatGrows() {
    var machine = running()
    #expect(
      machine.exited(2, how: "was killed by SIGKILL", at: at(5), jitter: 1) == .restart(2, after: .seconds(1))
    )
    #expect(machine.running == [1, 3])
    #expect(machine.restartDue(2) == .start(2))
    #expect(machine.running == [1, 2, 3])
    // It dies again at start, and again: each time it waits twice as long.
    #expect(
      machine.exited(2, how: "exited with status 1", at: at(7), jitter: 1) == .restart(2, after: .seconds(2)))
    #expect(machine.restartDue(2) == .start(2))
    #expect(
      machine.exited(2, how: "exited with status 1", at: at(10), jitter: 1) == .restart(2, after: .seconds(4))
    )
  }

  @Test func aWorkerThatRanLongEnoughStartsOverFromTheShortestWait() {
    var machine = running()
    _ = machine.exited(1, how: "was killed by SIGKILL", at: at(1), jitter: 1)
    _ = machine.restartDue(1)
    _ = machine.exited(1, how: "was killed by SIGKILL", at: at(2), jitter: 1)
    _ = machine.restartDue(1)
    machine.ready(1, at: at(10))
    #expect(
      machine.exited(1, how: "was killed by SIGKILL", at: at(200), jitter: 1)
        == .restart(1, after: .seconds(1)))
  }

  @Test func aWorkerThatDiesBeforeThePipelineFirstStartedGivesUp() {
    var machine = machine(2)
    _ = machine.start()
    machine.ready(1, at: at(0))
    #expect(
      machine.exited(2, how: "exited with status 1", at: at(1), jitter: 1)
        == .giveUp("worker 2 exited with status 1 before its pipeline started"))
    // The supervisor stops the other; when it has exited, everything is done.
    let (signal, finish) = machine.stop()
    #expect(signal == [1])
    #expect(!finish)
    #expect(machine.exited(1, how: "exited with status 0", at: at(2), jitter: 1) == .finish)
  }

  @Test func stoppingSignalsTheRunningWorkersAndFinishesWhenTheLastHasExited() {
    var machine = running()
    _ = machine.exited(3, how: "was killed by SIGKILL", at: at(1), jitter: 1)
    // Worker 3 waits for its restart: it is not signalled, and is not started again.
    let (signal, finish) = machine.stop()
    #expect(signal == [1, 2])
    #expect(!finish)
    #expect(machine.restartDue(3) == nil)
    #expect(machine.exited(1, how: "exited with status 0", at: at(2), jitter: 1) == nil)
    #expect(machine.exited(2, how: "exited with status 0", at: at(2), jitter: 1) == .finish)
  }

  @Test func stoppingWithNothingRunningFinishesAtOnce() {
    var machine = machine(1)
    _ = machine.start()
    machine.ready(1, at: at(0))
    _ = machine.exited(1, how: "was killed by SIGKILL", at: at(1), jitter: 0)
    #expect(machine.stop() == ([], true))
  }
}
