@testable import StarlingPipeline

/// `template`: `process.modify`'s `{{path}}` templates: the input is a template's text; one
/// that parses is rendered for every sample event.
enum TemplateFuzz {
  static let target = FuzzTarget(
    name: "template", summary: "process.modify templates: parse, then render", run: run)

  static func run(_ bytes: [UInt8]) {
    guard let template = try? Template(String(decoding: bytes, as: UTF8.self)) else { return }
    for event in SampleEvents.all { _ = template.render(event) }
  }
}
