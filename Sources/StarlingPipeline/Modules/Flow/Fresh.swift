import Logging

/// `flow.fresh`: a dead-man's switch. Passes events through and raises an alert when they
/// stop coming.
actor Fresh: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.fresh",
    summary:
      "Passes events through; emits a timeout event when none arrived for `timeout` (a dead-man's switch).",
    discussion: """
      Every event goes to `outbox` unchanged. When no event has arrived for `timeout` \
      (counted from the start, then from the last event), the module sends a timeout event \
      on its `timeout` queue: data is `timeout_payload`, and `header.fresh` holds `state: \
      timeout`, `module`, `silence` (seconds since the last event or the start) and `alerts` \
      (how many timeout events this silence has produced). With `repeat_interval` set, the \
      timeout event is sent again at that interval for as long as the silence lasts. When an \
      event arrives after a timeout, a recovery event is sent on `timeout` first (data \
      `recovery_payload`, `header.fresh.state: recovery`, `silence`, `alerts`), then the \
      event goes on to `outbox`. Alerts and recoveries share one queue so that a single \
      route carries both, in order. The switch stops when its input does.
      """,
    arguments: [
      ArgumentSpec(
        "timeout", .duration, default: 60, in: 0.001...ArgumentKind.longestDuration,
        "How long a silence raises the alert (more than 0)."),
      ArgumentSpec("timeout_payload", .any, default: "timeout", "The data of timeout events."),
      ArgumentSpec("recovery_payload", .any, default: "recovery", "The data of recovery events."),
      ArgumentSpec(
        "repeat_interval", .duration, default: 0, "Repeat the timeout event this often while silent; 0: once."
      ),
    ],
    outputs: ["outbox", "timeout"],
    example: """
      heartbeat:
        module: flow.fresh
        arguments:
          timeout: 30s
          timeout_payload: "no events for 30 seconds"
          recovery_payload: "events are flowing again"
          repeat_interval: 5m
      """)

  let context: ModuleContext
  let timeout: Duration
  let repeatInterval: Duration
  let timeoutPayload: EventValue
  let recoveryPayload: EventValue
  let outbox: PipelineQueue
  let alerts: PipelineQueue
  var lastArrival = ContinuousClock.now
  var alertCount = 0
  var lastAlert = ContinuousClock.now

  init(context: ModuleContext) throws {
    self.context = context
    timeout = context.arguments.duration("timeout") ?? .seconds(60)
    repeatInterval = context.arguments.duration("repeat_interval") ?? .zero
    timeoutPayload = context.arguments["timeout_payload"] ?? "timeout"
    recoveryPayload = context.arguments["recovery_payload"] ?? "recovery"
    guard timeout > .zero else { throw PipelineError.invalidArgument("timeout must be more than 0") }
    outbox = context.output("outbox")
    alerts = context.output("timeout")
  }

  func run() async throws {
    lastArrival = .now
    while true {
      let deadline: ContinuousClock.Instant
      if alertCount == 0 {
        deadline = lastArrival + timeout
      } else if repeatInterval > .zero {
        deadline = lastAlert + repeatInterval
      } else {
        // Alerted once and not repeating: nothing to do until an event arrives.
        deadline = .now + timeout
      }
      if deadline > .now { try await Task.sleep(until: deadline, clock: .continuous) }
      let now = ContinuousClock.now
      let due =
        alertCount == 0
        ? now - lastArrival >= timeout : repeatInterval > .zero && now - lastAlert >= repeatInterval
      guard due else { continue }
      alertCount += 1
      lastAlert = now
      context.log(.warning, "no event for \(Fresh.seconds(now - lastArrival)) s: timeout event \(alertCount)")
      try await alerts.send(notice("timeout", timeoutPayload, silence: now - lastArrival))
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    let now = ContinuousClock.now
    let silence = now - lastArrival
    lastArrival = now
    if alertCount > 0 {
      let notice = notice("recovery", recoveryPayload, silence: silence)
      alertCount = 0
      context.log(.info, "events again after \(Fresh.seconds(silence)) s: recovery event")
      try await alerts.send(notice)
    }
    try await outbox.send(event)
  }

  private func notice(_ state: String, _ payload: EventValue, silence: Duration) -> Event {
    Event(
      data: payload,
      header: [
        "fresh": [
          "state": .string(state), "module": .string(context.name),
          "silence": .double(Fresh.seconds(silence)),
          "alerts": .int(alertCount),
        ]
      ])
  }

  static func seconds(_ duration: Duration) -> Double {
    ((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000).rounded()
      / 1000
  }
}
