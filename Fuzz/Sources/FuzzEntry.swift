#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if !STARLING_LIBFUZZER
import Foundation
#endif

/// The target `STARLING_FUZZ_TARGET` names; the process exits with a list of the names when
/// it names none of them.
let selectedTarget: FuzzTarget = {
  let name = getenv("STARLING_FUZZ_TARGET").map { String(cString: $0) } ?? ""
  guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
    let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
    let message = Array("set STARLING_FUZZ_TARGET to one of: \(names)\n".utf8)
    _ = write(2, message, message.count)
    _exit(2)
  }
  return target
}()

/// libFuzzer calls this once before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
  selectedTarget.setUp()
  return 0
}

/// libFuzzer calls this with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  selectedTarget.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}

#if !STARLING_LIBFUZZER
/// The entry point when libFuzzer is not linked in (`scripts/fuzz.sh --smoke` builds the
/// target so, with the modules of the normal debug build): runs every file given, and every
/// file in the directories given, once through the target and says how many it ran. A seed
/// that breaks a property stops the process as it would stop the fuzzer.
@main enum SeedReplay {
  static func main() throws {
    selectedTarget.setUp()
    var count = 0
    for path in CommandLine.arguments.dropFirst() {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      let files =
        isDirectory.boolValue
        ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" } : [path]
      for file in files {
        selectedTarget.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        count += 1
      }
    }
    print("\(selectedTarget.name): \(count) seeds")
  }
}
#endif
