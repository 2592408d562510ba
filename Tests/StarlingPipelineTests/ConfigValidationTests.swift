import Testing

@testable import StarlingPipeline

/// Every config validation error, in-process: each test checks the message and the line and
/// column it names.
@Suite(.timeLimit(.minutes(5)))
struct ConfigValidationTests {
  /// `LINE:COLUMN: MESSAGE` for each error, in the order validation reports them.
  private func lines(_ errors: [ConfigError]) -> [String] {
    errors.map { "\($0.location.line):\($0.location.column): \($0.message)" }
  }

  private func errors(_ yaml: String, environment: [String: String] = [:]) -> [String] {
    lines(Harness.errors(yaml, environment: environment))
  }

  // MARK: The YAML and its sections

  @Test func yamlSyntaxErrorNamesWhereTheParserStopped() {
    let found = Harness.errors(
      """
      modules:
        hello:
          module: input.generator
          arguments: {interval: 1s
        console:
          module: output.stdout
      """)
    #expect(found.count == 1)
    #expect(found.first?.message.hasPrefix("not valid YAML: ") == true)
    #expect(found.first?.message.contains("flow mapping") == true)
    #expect(found.first?.location == StarlingPipeline.SourceLocation(file: "test.yaml", line: 5, column: 10))
    #expect(found.first?.description.hasPrefix("test.yaml:5:10: error: not valid YAML") == true)
  }

  @Test func topLevelMustBeAMap() {
    #expect(errors("- hello\n- world\n") == ["1:1: a config is a map with `modules:` and `routes:`"])
    #expect(errors("") == ["1:1: a config is a map with `modules:` and `routes:`"])
  }

  @Test func unknownSection() {
    let yaml = """
      modules:
        sink:
          module: output.null
      route:
        - a.outbox -> b.inbox
      """
    #expect(
      errors(yaml) == [
        "4:1: unknown section 'route' (a config has `settings`, `http`, `modules` and `routes`)"
      ])
  }

  @Test func missingModulesSectionIsReportedWhereTheMapStarts() {
    let yaml = """
      # no modules here
      routes:
        - a.outbox -> b.inbox
      """
    #expect(errors(yaml) == ["2:1: the config has no `modules:` section"])
  }

  @Test func sectionsOfTheWrongShape() {
    #expect(
      errors("modules: [a, b]\n") == [
        "1:10: `modules` is a map from module names to their type and arguments"
      ])
    let yaml = """
      modules:
        sink:
          module: output.null
      routes: sink.outbox -> other.inbox
      """
    #expect(errors(yaml) == ["4:9: `routes` is a list of lines like \"a.outbox -> b.inbox\""])
  }

  // MARK: Modules

  @Test func badModuleNames() {
    let yaml = """
      modules:
        my.sink:
          module: output.null
        "a -> b":
          module: output.null
      """
    #expect(
      errors(yaml) == [
        "2:3: 'my.sink' is not a module name (use letters, digits, '-' and '_')",
        "4:3: 'a -> b' is not a module name (use letters, digits, '-' and '_')",
      ])
  }

  @Test func moduleWithoutAType() {
    let yaml = """
      modules:
        sink:
          description: where events go
        other: output.null
      """
    #expect(
      errors(yaml) == [
        "2:3: module 'sink' has no `module:` type",
        "4:10: module 'other' needs a map with at least `module: TYPE`",
      ])
  }

  @Test func moduleFieldsOfTheWrongShape() {
    let yaml = """
      modules:
        sink:
          module: [output.null]
        other:
          module: output.null
          arguments: 5
      """
    #expect(
      errors(yaml) == [
        "2:3: module 'sink' has no `module:` type",
        "3:13: `module` is a module type such as input.generator",
        "6:16: `arguments` is a map of argument names to values",
      ])
  }

  @Test func unknownModuleField() {
    let yaml = """
      modules:
        sink:
          module: output.null
          argumnets: {}
      """
    #expect(
      errors(yaml) == [
        "4:5: unknown field 'argumnets' in module 'sink' (known: module, description, arguments)"
      ])
  }

  @Test func unknownModuleTypeSuggestsTheNearestTypes() {
    let yaml = """
      modules:
        hello:
          module: input.generatr
        console:
          module: stdot
        sink:
          module: gen
        other:
          module: nothing.like.it
      """
    #expect(
      errors(yaml) == [
        "3:13: unknown module type 'input.generatr' (did you mean input.generator?)",
        "5:13: unknown module type 'stdot' (did you mean output.stdout?)",
        "7:13: unknown module type 'gen' (did you mean input.generator?)",
        "9:13: unknown module type 'nothing.like.it' (`starling list` shows the module types)",
      ])
  }

  @Test func ambiguousShortTypeAsksForTheFullName() throws {
    let yaml = """
      modules:
        sink:
          module: kinds
        other:
          module: collect
          arguments: {key: k}
      """
    #expect(ValidationSupport.errors(yaml) == [])
    var registry = ValidationSupport.registry
    registry.register(OtherKinds.self)
    let config = try PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:])
    let found: [String]
    do {
      _ = try Pipeline(config: config, registry: registry)
      found = []
    } catch {
      found = lines(error.errors)
    }
    #expect(
      found == [
        "3:13: unknown module type 'kinds' (it could be other.kinds or test.kinds; write the full name)"
      ])
  }

  @Test func reservedFunnelNames() {
    let yaml = """
      modules:
        _logs:
          module: output.null
        _metrics:
          module: output.null
      """
    #expect(
      errors(yaml) == [
        "2:3: '_logs' is reserved for the pipeline's own funnel",
        "4:3: '_metrics' is reserved for the pipeline's own funnel",
      ])
  }

  @Test func moduleDefinedTwice() {
    let yaml = """
      modules:
        sink:
          module: output.null
        sink:
          module: output.stdout
      """
    #expect(errors(yaml) == ["4:3: module 'sink' is defined twice"])
    // A config made in code can name a module twice too; the pipeline refuses it.
    let config = PipelineConfig(
      modules: [
        ModuleConfig(name: "sink", type: "output.null"), ModuleConfig(name: "sink", type: "output.null"),
      ],
      routes: [])
    #expect(throws: ConfigErrors.self) { try Pipeline(config: config) }
  }

  @Test func keysGivenTwiceElsewhere() {
    let yaml = """
      settings:
        queue_size: 5
        # a comment between
        queue_size: 6
      modules:
        hello:
          module: input.generator
          arguments:
            count: 1

            count: 2
      """
    #expect(errors(yaml) == ["4:3: 'queue_size' is given twice in the same map"])
    let arguments = """
      modules:
        hello:
          module: input.generator
          arguments:
            count: 1
            interval: 1s
            count: 2
        other:
          module: input.generator
      """
    #expect(errors(arguments) == ["7:7: 'count' is given twice in the same map"])
    #expect(
      errors("modules: {sink: {module: output.null}, sink: {module: output.null}}") == [
        "1:40: module 'sink' is defined twice"
      ])
  }

  // MARK: Arguments

  @Test func unknownArgumentListsTheKnownOnes() {
    let yaml = """
      modules:
        hello:
          module: input.generator
          arguments:
            intervall: 1s
        sink:
          module: output.null
          arguments: {speed: 3}
      """
    #expect(
      errors(yaml) == [
        "5:7: unknown argument 'intervall' for input.generator (it takes count, header, interval, payload)",
        "8:17: unknown argument 'speed' for output.null (it takes no arguments)",
      ])
  }

  @Test func missingRequiredArgument() {
    let yaml = """
      modules:
        sink:
          module: test.collect
      """
    #expect(
      errors(yaml) == [
        "2:3: module 'sink' (test.collect) needs the argument 'key': The sink's name (Harness.sink)."
      ])
  }

  @Test func argumentsOfTheWrongKind() {
    let yaml = """
      modules:
        hello:
          module: input.generator
          arguments:
            count: many
            interval: soon
            header: [a, b]
        console:
          module: output.stdout
          arguments:
            pretty: maybe
        kinds:
          module: test.kinds
          arguments:
            mode: slow
            tags: solo
            ports: [80, http]
            ratio: half
      """
    #expect(
      lines(ValidationSupport.errors(yaml)) == [
        "5:7: argument 'count' of input.generator takes int, not string many",
        "6:7: argument 'interval' of input.generator takes duration, not string soon",
        "7:7: argument 'header' of input.generator takes map, not array [\"a\",\"b\"]",
        "11:7: argument 'pretty' of output.stdout takes bool, not string maybe",
        "15:7: argument 'mode' of test.kinds takes fast|safe, not string slow",
        "16:7: argument 'tags' of test.kinds takes [string], not string solo",
        "17:7: argument 'ports' of test.kinds takes int, not string http",
        "18:7: argument 'ratio' of test.kinds takes number, not string half",
      ])
  }

  @Test func argumentsAreCoercedToTheirKind() throws {
    let yaml = """
      modules:
        hello:
          module: generator
          arguments: {interval: 250ms, count: "3"}
        kinds:
          module: test.kinds
          arguments: {mode: fast, tags: [a, 1], ports: ["80", 443], ratio: 2}
        console:
          module: output.stdout
          arguments: {pretty: yes}
      """
    let pipeline = try Pipeline(
      config: PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:]),
      registry: ValidationSupport.registry)
    let arguments = Dictionary(uniqueKeysWithValues: pipeline.nodes.map { ($0.name, $0.context.arguments) })
    #expect(arguments["hello"]?.duration("interval") == .milliseconds(250))
    #expect(arguments["hello"]?.int("count") == 3)
    #expect(arguments["hello"]?.string("payload") == "hello world")
    #expect(arguments["kinds"]?.string("mode") == "fast")
    #expect(arguments["kinds"]?.strings("tags") == ["a", "1"])
    #expect(arguments["kinds"]?.list("ports") == [80, 443])
    #expect(arguments["kinds"]?.double("ratio") == 2)
    #expect(arguments["console"]?.bool("pretty") == true)
  }

  @Test func aModulesOwnCheckIsReportedAtTheModule() {
    let yaml = """
      modules:
        server:
          module: input.tcp
          arguments: {listen: localhost}
        console:
          module: output.stdout
          arguments:
            selection: nothing.here
      """
    #expect(
      errors(yaml) == [
        "2:3: module 'server' (input.tcp): listen 'localhost' has no port: write host:port",
        "5:3: module 'console' (output.stdout): selection 'nothing.here' is not `event` or a path under data, header, id, timestamp, ttl or error",
      ])
  }

  // MARK: Routes

  /// Two modules and a sink, with `routes` appended.
  private func withRoutes(_ routes: String) -> String {
    """
    modules:
      hello:
        module: input.generator
      other:
        module: input.generator
      console:
        module: output.stdout
    routes:
    \(routes)
    """
  }

  @Test func routeNotOfTheFormAToB() {
    #expect(
      errors(withRoutes("  - hello.outbox to console.inbox\n  - hello -> console\n  - {a: b}")) == [
        "9:5: a route looks like \"a.outbox -> b.inbox\", not 'hello.outbox to console.inbox'",
        "10:5: a route looks like \"a.outbox -> b.inbox\", not 'hello -> console'",
        "11:5: a route looks like \"a.outbox -> b.inbox\", not this",
      ])
  }

  @Test func routeToAMissingModule() {
    #expect(
      errors(withRoutes("  - hello.outbox -> nowhere.inbox\n  - nobody.outbox -> console.inbox")) == [
        "9:5: route names module 'nowhere', which the config does not define",
        "10:5: route names module 'nobody', which the config does not define",
      ])
  }

  @Test func routeToAMissingQueue() {
    #expect(
      errors(withRoutes("  - hello.inbox -> console.inbox\n  - other.outbox -> console.outbox")) == [
        "9:5: input.generator 'hello' has no output queue 'inbox' (its output queues: outbox)",
        "10:5: output.stdout 'console' has no input queue 'outbox' (its input queues: inbox)",
      ])
    #expect(
      errors(withRoutes("  - console.success -> hello.inbox")) == [
        "9:5: input.generator 'hello' has no input queue 'inbox' (its input queues: none)"
      ])
  }

  @Test func queueRoutedTwice() {
    #expect(
      errors(withRoutes("  - hello.outbox -> console.inbox\n  - hello.outbox -> console.inbox")) == [
        "10:5: hello.outbox is already routed (at line 9); use flow.fanout or flow.roundrobin to feed several queues",
        "10:5: console.inbox is already fed (at line 9); use flow.funnel to merge queues",
      ])
    #expect(
      errors(withRoutes("  - hello.outbox -> console.inbox\n  - other.outbox -> console.inbox")) == [
        "10:5: console.inbox is already fed (at line 9); use flow.funnel to merge queues"
      ])
  }

  @Test func logsAndMetricsQueuesCannotBeRouted() {
    #expect(
      errors(withRoutes("  - hello.logs -> console.inbox\n  - other.metrics -> console.inbox")) == [
        "9:5: hello.logs feeds the _logs funnel and cannot be routed; route _logs.outbox instead",
        "10:5: other.metrics feeds the _metrics funnel and cannot be routed; route _metrics.outbox instead",
      ])
    #expect(errors(withRoutes("  - _logs.outbox -> console.inbox")) == [])
  }

  // MARK: Environment

  @Test func unsetEnvironmentVariable() {
    let yaml = """
      modules:
        hello:
          module: input.generator
          arguments:
            payload: "from ${HOST_NAME}"
            count: ${COUNT
      """
    #expect(
      errors(yaml) == [
        "5:16: environment variable HOST_NAME is not set (write ${HOST_NAME:-default} to give a default)",
        "6:14: unclosed ${ in '${COUNT'",
      ])
  }

  /// An unset variable leaves its value out, and the rest of the config is still checked: the
  /// mistakes around it are reported too, and nothing about the value it left out.
  @Test func anUnsetVariableDoesNotHideTheOtherProblems() {
    let yaml = """
      modules:
        hook:
          module: output.http
          arguments:
            url: "${WEBHOOK_URL}"
            timeout: soon
        source:
          module: ${SOURCE_TYPE}
        console:
          module: output.stdout
          arguments:
            color: red
      routes:
        - source.outbox -> hook.inbox
        - hook.failure -> consol.inbox
      """
    #expect(
      errors(yaml) == [
        "5:12: environment variable WEBHOOK_URL is not set (write ${WEBHOOK_URL:-default} to give a default)",
        "6:7: argument 'timeout' of output.http takes duration, not string soon",
        "8:13: environment variable SOURCE_TYPE is not set (write ${SOURCE_TYPE:-default} to give a default)",
        "12:7: unknown argument 'color' for output.stdout (it takes colour, prefix, pretty, selection)",
        "15:5: route names module 'consol', which the config does not define",
      ])
  }

  @Test func aMalformedRouteDoesNotHideTheOtherProblems() {
    let yaml = """
      modules:
        hello:
          module: input.generatr
        console:
          module: output.stdout
      routes:
        - hello.outbox => console.inbox
        - hello.outbox -> console.inbox
        - console.inbox -> hello.outbox
      """
    #expect(
      errors(yaml) == [
        "3:13: unknown module type 'input.generatr' (did you mean input.generator?)",
        "7:5: a route looks like \"a.outbox -> b.inbox\", not 'hello.outbox => console.inbox'",
        "9:5: output.stdout 'console' has no output queue 'inbox' (its output queues: success, failure)",
      ])
  }

  /// process.modify reports every bad operation, each at the line of its list item.
  @Test func eachBadModifyOperationIsReportedAtItsOwnLine() {
    let yaml = """
      modules:
        tidy:
          module: process.modify
          arguments:
            operations:
              - set: {path: id, value: 1}
              - uppercase: data.name
              - frobnicate: data.x
              - rename: {from: data.a}
      """
    #expect(
      errors(yaml) == [
        "6:11: module 'tidy' (process.modify): operations[0] (set): cannot write 'id': only paths under data and header, of at most 64 components",
        "8:11: module 'tidy' (process.modify): operations[2]: unknown operation 'frobnicate'; use set, delete, copy, rename, uppercase, lowercase or template",
        "9:11: module 'tidy' (process.modify): operations[3] (rename): needs `to`, a path",
      ])
  }

  @Test func environmentVariablesAndDefaultsAreSubstituted() throws {
    let yaml = """
      settings:
        queue_size: ${QUEUE:-7}
      modules:
        hello:
          module: ${KIND}.generator
          arguments:
            payload: "hello ${WHO:-world} from ${HOST_NAME}"
            count: ${COUNT}
            interval: ${INTERVAL:-2s}
        console:
          module: output.stdout
      routes:
        - hello.outbox -> console.inbox
      """
    let pipeline = try Harness.pipeline(
      yaml, environment: ["KIND": "input", "HOST_NAME": "here", "COUNT": "3"])
    let hello = try #require(pipeline.nodes.first { $0.name == "hello" })
    #expect(hello.context.type == "input.generator")
    #expect(hello.context.arguments["payload"] == "hello world from here")
    #expect(hello.context.arguments["count"] == .int(3))
    #expect(hello.context.arguments.duration("interval") == .seconds(2))
    #expect(pipeline.settings.queueSize == 7)
    let config = try PipelineConfig.parse(
      yaml: yaml, environment: ["KIND": "input", "HOST_NAME": "h", "COUNT": "3"])
    #expect(config.modules.first?.arguments["count"]?.value == .int(3))
  }

  // MARK: Settings

  @Test func badSettings() {
    let yaml = """
      settings:
        queue_size: 0
        stop_timeout: soon
        metric_interval: 1s
      modules:
        sink:
          module: output.null
      """
    #expect(
      errors(yaml) == [
        "2:15: queue_size must be 1 to 1000000, not 0",
        "3:17: stop_timeout must be a duration such as 10, 500ms or 2m, not soon",
        "4:3: unknown setting 'metric_interval' (known: queue_size, metrics_interval, stop_timeout)",
      ])
    #expect(
      errors("settings: 5\nmodules:\n  sink:\n    module: output.null\n") == [
        "1:11: `settings` is a map (queue_size, metrics_interval, stop_timeout)"
      ])
  }

  @Test func settingsAreApplied() throws {
    let pipeline = try Harness.pipeline(
      """
      settings: {queue_size: 5, metrics_interval: 500ms, stop_timeout: 2m}
      modules:
        sink:
          module: output.null
      """)
    #expect(
      pipeline.settings
        == PipelineSettings(queueSize: 5, metricsInterval: .milliseconds(500), stopTimeout: .seconds(120)))
  }

  // MARK: Everything at once

  @Test func everyErrorIsReportedAtOnceSortedByLine() {
    let yaml = """
      routes:
        - hello.outbox -> nowhere.inbox
        - hello.logs -> console.inbox
      modules:
        hello:
          module: input.generator
          arguments: {intervall: 1s, count: lots}
        console:
          module: output.stdot
        sink:
          module: test.collect
      """
    #expect(
      errors(yaml) == [
        "2:5: route names module 'nowhere', which the config does not define",
        "3:5: hello.logs feeds the _logs funnel and cannot be routed; route _logs.outbox instead",
        "7:17: unknown argument 'intervall' for input.generator (it takes count, header, interval, payload)",
        "7:32: argument 'count' of input.generator takes int, not string lots",
        "9:13: unknown module type 'output.stdot' (did you mean output.stdout?)",
        "10:3: module 'sink' (test.collect) needs the argument 'key': The sink's name (Harness.sink).",
      ])
  }

  @Test func shapeErrorsAreAllReportedToo() {
    let yaml = """
      settings:
        queue_size: none
      modules:
        bad.name:
          module: output.null
        sink:
          modul: output.null
      extra: 1
      """
    #expect(
      errors(yaml) == [
        "2:15: queue_size must be a whole number, not none",
        "4:3: 'bad.name' is not a module name (use letters, digits, '-' and '_')",
        "6:3: module 'sink' has no `module:` type",
        "7:5: unknown field 'modul' in module 'sink' (known: module, description, arguments)",
        "8:1: unknown section 'extra' (a config has `settings`, `http`, `modules` and `routes`)",
      ])
  }
}

/// A second type whose short name is `kinds`, to make the short name ambiguous.
actor OtherKinds: PipelineModule {
  static let descriptor = ModuleDescriptor(type: "other.kinds", summary: "Nothing.", example: "")
  init(context: ModuleContext) {}
}
