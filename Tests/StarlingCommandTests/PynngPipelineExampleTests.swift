import Foundation
import Testing

/// `starling run Examples/Pipelines/pynng-rep.yaml` answering its pynng client.
@Suite(.timeLimit(.minutes(5)))
struct PynngPipelineExampleTests {
  @Test func theRepExampleAnswersThePynngClient() async throws {
    let url = Tools.ipc("rep-example")
    let example = Tools.root.appendingPathComponent("Examples/Pipelines/pynng-rep.yaml").path
    let server = try Tools.starling(["run", example], environment: ["STARLING_REP_URL": url])
    let client = try ChildProcess(
      Tools.python,
      [
        Tools.root.appendingPathComponent("Examples/Pipelines/pynng_client.py").path, url, "hello",
        "{\"n\":1}",
      ])
    let answers = try await client.finish()
    #expect(answers.status == 0, "client stderr: \(answers.stderr)")
    #expect(
      String(decoding: answers.stdout, as: UTF8.self) == "starling heard: hello\nstarling heard: {\"n\":1}\n")
    server.signal(SIGINT)
    let outcome = try await server.finish()
    #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
    #expect(outcome.stderr.contains("listening on \(url)"))
  }

  @Test func theRepExampleValidates() async throws {
    let example = Tools.root.appendingPathComponent("Examples/Pipelines/pynng-rep.yaml").path
    let outcome = try await Tools.starling(["validate", example]).finish()
    #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
  }
}
