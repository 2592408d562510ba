/// One fuzz target: the name `scripts/fuzz.sh` knows it by, and what it does with one input.
///
/// A target returns normally for every input: rejecting bad input is the code under test's
/// job, and a crash, a sanitizer report, a leak or a hang is the finding. Targets also check
/// properties that must hold for every input (a value the JSON writer printed reads back as
/// the same value), stopping with `preconditionFailure` when one does not.
struct FuzzTarget: Sendable {
  /// The name on the command line, such as `json`.
  let name: String
  /// What the target drives, one line.
  let summary: String
  /// Runs once before the first input (sets up what every input shares).
  var setUp: @Sendable () -> Void = {}
  /// Runs one input.
  let run: @Sendable ([UInt8]) -> Void

  /// Every target, in the order `scripts/fuzz.sh` lists them.
  static let all: [FuzzTarget] = [
    SPFrameFuzz.target, SPHandshakeFuzz.target, WebSocketUpgradeFuzz.target, WebSocketFrameFuzz.target,
    HTTPHeadFuzz.target, ConfigFuzz.target, JSONFuzz.target, ConditionFuzz.target, TemplateFuzz.target,
    ModifyFuzz.target,
  ]
}

/// Stops the run when a property does not hold, saying which (`precondition` drops its
/// message in optimized builds; the fuzz targets are built optimized).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError(message()) }
}
