import Testing

@testable import StarlingPipeline

/// Configs written to hurt: aliases that expand without bound, numbers that size
/// allocations, route cycles, and very many modules. Each is refused (or run) with a clear
/// error naming its line, quickly and in little memory.
@Suite(.timeLimit(.minutes(2)))
struct HostileConfigTests {
  private func errors(_ yaml: String) -> [String] {
    ValidationSupport.errors(yaml).map { "\($0.location.line):\($0.location.column): \($0.message)" }
  }

  /// The classic nested-alias document: nine levels of nine aliases, 9^9 (387 million)
  /// strings once expanded, in a few hundred bytes.
  static let laughs = """
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """

  static let aliasMessage =
    "YAML aliases are not supported in configs (*a here): each alias copies its anchor's value, so a few "
    + "lines can stand for billions of nodes; write the value out instead (71 more aliases follow)"

  // MARK: Aliases

  @Test func nestedAliasesInAnArgumentAreRefusedBeforeTheyExpand() {
    let indented = Self.laughs.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
    let yaml = """
      modules:
        hello:
          module: input.generator
          arguments:
            payload:
      \(indented)
      """
    #expect(errors(yaml) == ["7:16: " + Self.aliasMessage])
  }

  /// Yams hashes every mapping key while it composes: an alias used as a key would cost
  /// exponential time before any of the config is read, so it must be caught first too.
  @Test func nestedAliasesUsedAsAKeyAreRefusedBeforeYAMLIsComposed() {
    let yaml = Self.laughs + "\nj: {? *i : 1}\nmodules: {}\n"
    #expect(errors(yaml) == ["2:8: " + Self.aliasMessage.replacing("71 more", with: "72 more")])
  }

  @Test func starsAndAmpersandsInTextAreNotAliases() throws {
    let yaml = """
      modules:
        hello:
          module: input.generator
          arguments:
            payload: "*not an alias* & *nor this*"
            header:
              plain: a*b & c*
              block: |
                *bold*
                &amp
      """
    let pipeline = try Harness.pipeline(yaml)
    let arguments = pipeline.nodes.first { $0.name == "hello" }?.context.arguments
    #expect(arguments?.string("payload") == "*not an alias* & *nor this*")
    #expect(arguments?.map("header")?["plain"] == "a*b & c*")
    #expect(arguments?.map("header")?["block"]?.stringValue?.hasPrefix("*bold*\n&amp") == true)
  }

  // MARK: Numbers

  @Test func aQueueSizeThatWouldAllocateGigabytesIsOutOfRange() {
    let yaml = """
      settings:
        queue_size: 1e9
        stop_timeout: 1e12
      modules:
        sink:
          module: output.null
      """
    #expect(
      errors(yaml) == [
        "2:15: queue_size must be 1 to 1000000, not 1000000000",
        "3:17: stop_timeout must be 0 to 365d, not 1000000000000s",
      ])
  }

  @Test func aQueueSizeFromCodeIsCheckedToo() {
    let config = PipelineConfig(
      settings: PipelineSettings(queueSize: 1 << 40),
      modules: [ModuleConfig(name: "sink", type: "output.null")],
      routes: [])
    #expect(throws: ConfigErrors.self) { try Pipeline(config: config) }
    do {
      _ = try Pipeline(config: config)
    } catch {
      #expect(error.errors.map(\.message) == ["queue_size must be 1 to 1000000, not 1099511627776"])
    }
  }

  @Test func everyClassOfNumberIsRangeCheckedAtItsLine() {
    let yaml = """
      modules:
        server:
          module: input.tcp
          arguments:
            max_frame: 1e12
        api:
          module: input.http
          arguments:
            max_body: -1
            reply_timeout: 0
        hello:
          module: input.generator
          arguments:
            interval: inf
            count: 1e20
        batch:
          module: process.pack
          arguments: {size: 100000000, age: 2d}
        kinds:
          module: test.kinds
          arguments:
            ports: [80, 1e10]
            ratio: 1e300
      """
    #expect(
      errors(yaml) == [
        "5:7: argument 'max_frame' of input.tcp must be 1 to 1073741824, not 1000000000000",
        "9:7: argument 'max_body' of input.http must be 0 to 1073741824, not -1",
        "10:7: argument 'reply_timeout' of input.http must be 1ms to 1d, not 0",
        "14:7: argument 'interval' of input.generator must be 0 to 365d, not inf",
        "15:7: argument 'count' of input.generator must be 0 to 1000000000000000, not 1e+20",
        "18:17: argument 'size' of process.pack must be 1 to 1000000, not 100000000",
        "18:34: argument 'age' of process.pack must be 1ms to 1d, not 2d",
        "22:7: argument 'ports' of test.kinds must be -2147483648 to 2147483647, not 10000000000",
        "23:7: argument 'ratio' of test.kinds must be -1000000000000000 to 1000000000000000, not 1e+300",
      ])
  }

  @Test func everyBuiltInNumericArgumentHasBoundsThatHoldItsDefault() {
    var numeric = 0
    for descriptor in ModuleRegistry.builtin.descriptors {
      for spec in descriptor.arguments {
        guard let bounds = spec.bounds else { continue }
        numeric += 1
        #expect(bounds.upperBound < 1e16, "\(descriptor.type) \(spec.name)")
        if let value = spec.defaultValue {
          #expect(
            (try? spec.check(value).get()) != nil,
            "\(descriptor.type) \(spec.name): default \(value) outside \(bounds)")
        }
      }
    }
    #expect(numeric >= 20)
    for spec in PipelineSettings.arguments {
      #expect(spec.bounds != nil && (try? spec.check(spec.defaultValue ?? .null).get()) != nil)
    }
  }

  // MARK: Route cycles

  static let cycleMessage =
    "events would circle until their TTL runs out, and a stopping pipeline could not drain it; route them "
    + "out of the loop"

  @Test func aRouteCycleIsAnErrorNamingItsModulesAndLines() {
    let yaml = """
      modules:
        gen: {module: generator}
        a: {module: test.relay}
        b: {module: test.relay}
        c: {module: test.relay}
        d: {module: test.relay}
        sink: {module: output.null}
      routes:
        - gen.outbox -> a.inbox
        - a.outbox -> b.inbox
        - b.outbox -> c.inbox
        - c.outbox -> a.loop
        - c.success -> sink.inbox
        - d.outbox -> d.loop
      """
    let found = Harness.errors(yaml, registry: Harness.testRegistry)
    #expect(
      found.map { "\($0.location.line):\($0.location.column): \($0.message)" } == [
        "10:5: routes form a cycle a -> b -> c -> a (lines 10, 11, 12): " + Self.cycleMessage,
        "14:5: routes form a cycle d -> d (line 14): " + Self.cycleMessage,
      ])
  }

  // MARK: Scale

  /// 20,000 modules in one file: validation is linear (146,000 took 6.7 s before, most of it
  /// in YAML composition, a quadratic ordering and Foundation string calls).
  @Test func twentyThousandModulesValidate() throws {
    var yaml = "modules:\n"
    var routes = "routes:\n"
    for index in 0..<10_000 {
      yaml += "  g\(index): {module: input.generator, arguments: {interval: 1h, count: 1}}\n"
      yaml += "  s\(index): {module: output.null}\n"
      routes += "  - g\(index).outbox -> s\(index).inbox\n"
    }
    let pipeline = try Harness.pipeline(yaml + routes)
    #expect(pipeline.moduleNames.count == 20_000)
    #expect(pipeline.routeCount == 10_000)
    // Producers before consumers.
    let order = Dictionary(uniqueKeysWithValues: pipeline.moduleNames.enumerated().map { ($1, $0) })
    #expect((0..<10_000).allSatisfy { order["g\($0)"]! < order["s\($0)"]! })
  }

  /// A cycle through 20,000 modules is found without recursion.
  @Test func aCycleThroughTwentyThousandModulesIsFound() {
    var yaml = "modules:\n"
    var routes = "routes:\n"
    for index in 0..<20_000 {
      yaml += "  r\(index): {module: test.relay}\n"
      routes += "  - r\(index).outbox -> r\((index + 1) % 20_000).\(index == 19_999 ? "loop" : "inbox")\n"
    }
    let found = Harness.errors(yaml + routes, registry: Harness.testRegistry)
    #expect(found.count == 1)
    #expect(found.first?.location.line == 20_003)
    #expect(
      found.first?.message.hasPrefix(
        "routes form a cycle r0 -> r1 -> r2 -> r3 -> r4 -> … (19994 more) -> r19999 -> r0 "
          + "(lines 20003, 20004, 20005, 20006, 20007, … (19993 more), 40001, 40002): ") == true)
  }
}
