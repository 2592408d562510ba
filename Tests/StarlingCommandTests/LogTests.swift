import Logging
import Synchronization
import Testing

@testable import StarlingCommandLine

/// The command's log lines: the summary of repeats as a state machine driven with made-up
/// times, and the text and JSON formats.
@Suite(.timeLimit(.minutes(5)))
struct LogTests {
  typealias Machine = RepeatedLogStateMachine<String, ContinuousClock.Instant>

  let start = ContinuousClock.now

  func at(_ seconds: Double) -> ContinuousClock.Instant {
    start + .milliseconds(Int64(seconds * 1000))
  }

  // MARK: Repeats

  @Test func theFirstLineIsWrittenAndItsRepeatsAreCountedUntilTheWindowEnds() {
    var machine = Machine(window: .seconds(10))
    #expect(machine.record("refused", at: at(0)) == (true, []))
    for second in 1...9 { #expect(machine.record("refused", at: at(Double(second))).write == false) }
    #expect(machine.nextDeadline == at(10))
    #expect(machine.expire(at: at(9.9)) == [])
    #expect(machine.expire(at: at(10)) == [.init(key: "refused", count: 9, window: .seconds(10))])
  }

  @Test func whileRepeatsGoOnEachWindowEndsWithASummary() {
    var machine = Machine(window: .seconds(10))
    var written = 0
    var summaries: [Machine.Summary] = []
    // Ten a second for 25 s: each record first reports the windows that ended before it.
    for tenth in 0...250 {
      let (write, ended) = machine.record("refused", at: at(Double(tenth) / 10))
      if write { written += 1 }
      summaries += ended
    }
    #expect(written == 1)
    #expect(
      summaries == [
        .init(key: "refused", count: 99, window: .seconds(10)),
        .init(key: "refused", count: 100, window: .seconds(10)),
      ])
    #expect(machine.nextDeadline == at(30))
    #expect(machine.expire(at: at(30)) == [.init(key: "refused", count: 51, window: .seconds(10))])
  }

  @Test func aWindowWithoutRepeatsForgetsTheLineSoItIsWrittenAgain() {
    var machine = Machine(window: .seconds(10))
    #expect(machine.record("connected", at: at(0)).write)
    #expect(machine.expire(at: at(10)) == [])
    #expect(machine.nextDeadline == nil)
    #expect(machine.record("connected", at: at(11)).write)
  }

  @Test func differentLinesAreCountedApart() {
    var machine = Machine(window: .seconds(10))
    #expect(machine.record("a", at: at(0)).write)
    #expect(machine.record("b", at: at(1)).write)
    #expect(!machine.record("a", at: at(2)).write)
    #expect(!machine.record("a", at: at(3)).write)
    #expect(!machine.record("b", at: at(4)).write)
    let summaries = machine.expire(at: at(11)).sorted { $0.key < $1.key }
    #expect(
      summaries == [
        .init(key: "a", count: 2, window: .seconds(10)), .init(key: "b", count: 1, window: .seconds(10)),
      ])
  }

  @Test func flushingSummarisesThePartOfEachWindowThatPassed() {
    var machine = Machine(window: .seconds(10))
    _ = machine.record("refused", at: at(0))
    _ = machine.record("quiet", at: at(0))
    for second in 1...3 { _ = machine.record("refused", at: at(Double(second))) }
    #expect(machine.flush(at: at(4)) == [.init(key: "refused", count: 3, window: .seconds(4))])
    #expect(machine.nextDeadline == nil)
    #expect(machine.record("refused", at: at(5)).write)
  }

  @Test func linesBeyondTheCapacityAreWrittenUntracked() {
    var machine = Machine(window: .seconds(10), capacity: 2)
    #expect(machine.record("a", at: at(0)).write)
    #expect(machine.record("b", at: at(0)).write)
    #expect(machine.record("c", at: at(0)).write)
    #expect(machine.record("c", at: at(1)).write)
    #expect(!machine.record("a", at: at(1)).write)
  }

  // MARK: Formats

  static let record = LogRecord(
    timestamp: LogTimestamp(seconds: 1_748_779_200, milliseconds: 7, utcOffset: 7200), level: .error,
    label: "starling.pipeline", module: "hook", message: "an event failed: connection refused (ECONNREFUSED)",
    metadata: [("event", "8f3e"), ("message", "clash")], repeats: nil)

  @Test func timestampsHaveMillisecondsAndTheOffset() {
    #expect(LogTimestamp(seconds: 0, milliseconds: 0, utcOffset: 0).description == "1970-01-01T00:00:00.000Z")
    #expect(
      LogTimestamp(seconds: 1_748_779_200, milliseconds: 7, utcOffset: 7200).description
        == "2025-06-01T14:00:00.007+02:00")
    #expect(
      LogTimestamp(seconds: 951_782_400, milliseconds: 999, utcOffset: -16200).description
        == "2000-02-28T19:30:00.999-04:30")
    // A leap day, and a time before 1970.
    #expect(
      LogTimestamp(seconds: 951_868_799, milliseconds: 0, utcOffset: 0).description
        == "2000-02-29T23:59:59.000Z")
    #expect(
      LogTimestamp(seconds: -1, milliseconds: 500, utcOffset: 0).description == "1969-12-31T23:59:59.500Z")
  }

  @Test func textNamesTheModuleAndPutsMetadataAfterTheMessage() {
    #expect(
      Self.record.text
        == "2025-06-01T14:00:00.007+02:00 error hook: an event failed: connection refused (ECONNREFUSED) event=8f3e message=clash"
    )
    var plain = Self.record
    plain.module = nil
    plain.metadata = []
    #expect(plain.text.hasPrefix("2025-06-01T14:00:00.007+02:00 error starling.pipeline: an event failed"))
  }

  @Test func aSummaryCountsWithCommas() {
    var summary = Self.record
    summary.metadata = []
    summary.repeats = (2146, .seconds(10))
    #expect(summary.text.hasSuffix("connection refused (ECONNREFUSED) (… 2,146 more in the last 10 s)"))
    summary.repeats = (1, .milliseconds(1980))
    #expect(summary.text.hasSuffix("(… 1 more in the last 2 s)"))
    summary.repeats = (1, .milliseconds(1520))
    #expect(summary.text.hasSuffix("(… 1 more in the last 1.5 s)"))
    #expect(summary.json.contains(#""repeated":1,"window_seconds":1.52"#))
  }

  @Test func jsonIsOneObjectWithTheFieldsFirstAndNoKeyTwice() throws {
    #expect(
      Self.record.json
        == #"{"timestamp":"2025-06-01T14:00:00.007+02:00","level":"error","label":"starling.pipeline","module":"hook","message":"an event failed: connection refused (ECONNREFUSED)","event":"8f3e","metadata.message":"clash"}"#
    )
  }

  @Test func thousandsAreGrouped() {
    #expect(Plural.grouped(0) == "0")
    #expect(Plural.grouped(999) == "999")
    #expect(Plural.grouped(1000) == "1,000")
    #expect(Plural.grouped(2_146_000) == "2,146,000")
    #expect(Plural.grouped(-12345) == "-12,345")
    #expect(Plural.count(1, "route") == "1 route")
    #expect(Plural.count(2, "route") == "2 routes")
    #expect(Plural.count(0, "problem") == "0 problems")
  }

  // MARK: The output

  @Test func theOutputWritesTheFirstLineAndASummaryOfItsRepeatsOnFlush() {
    let lines = Mutex<[String]>([])
    let output = LogOutput(format: .text, window: .seconds(3600)) { line in lines.withLock { $0.append(line) }
    }
    var record = Self.record
    record.metadata = []
    for _ in 0..<50 { output.emit(record) }
    var debug = record
    debug.level = .debug
    output.emit(debug)
    output.emit(debug)
    output.flush()
    let written = lines.withLock { $0 }
    #expect(written.count == 4, "\(written)")
    #expect(written[0] == record.text)
    #expect(written[1].contains(" debug hook: "))
    #expect(written[2].contains(" debug hook: "))
    #expect(written[3].contains("connection refused (ECONNREFUSED) (… 49 more in the last "))
  }
}
