import Foundation
import Testing

/// `starling run Examples/Pipelines/tcp-echo.yaml` as a program: a TCP client's lines come
/// back on its connection, and SIGINT stops it cleanly.
@Suite(.timeLimit(.minutes(5)))
struct TCPEchoExampleTests {
  /// Connects (retrying while the server starts), sends the lines, prints each answer line.
  static let client = """
    import socket, sys, time
    port = int(sys.argv[1])
    deadline = time.time() + 20
    while True:
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=20)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    lines = sys.argv[2:]
    connection.sendall("".join(line + "\\r\\n" for line in lines).encode())
    reader = connection.makefile("rb")
    for _ in lines:
        print(reader.readline().decode().rstrip("\\n"), flush=True)
    connection.close()
    """

  @Test func echoesEachLineOnItsConnection() async throws {
    let port = try Tools.freePort()
    let server = try Tools.starling(
      ["run", Tools.root.appendingPathComponent("Examples/Pipelines/tcp-echo.yaml").path],
      environment: ["PORT": String(port)])
    let first = try await ChildProcess(Tools.python, ["-c", Self.client, String(port), "hello", "wörld"])
      .finish()
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdoutText == "hello\nwörld\n")
    let second = try await ChildProcess(Tools.python, ["-c", Self.client, String(port), "again"]).finish()
    #expect(second.stdoutText == "again\n")
    server.signal(SIGINT)
    let outcome = try await server.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("listening on tcp://127.0.0.1:\(port)"))
  }
}
