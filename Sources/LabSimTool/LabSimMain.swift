import Foundation
import LabSim

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `labrun-sim`: the simulated host's multi-call executable; what it does depends on the
/// name it was run as (nvidia-smi, kubectl, helm, …).
@main
enum LabSimMain {
  static func main() {
    let arguments = CommandLine.arguments
    let name = URL(fileURLWithPath: arguments.first ?? "labrun-sim").lastPathComponent
    let environment = ProcessInfo.processInfo.environment
    guard let directory = environment["LABRUN_SIM_DIR"] else {
      FileHandle.standardError.write(Data("labrun-sim: run by labrun (--host sim), not directly\n".utf8))
      exit(2)
    }
    let tool = SimTool(directory: directory, environment: environment) {
      String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    switch tool.run(name: name, arguments: Array(arguments.dropFirst())) {
    case .exit(let stdout, let stderr, let status):
      FileHandle.standardOutput.write(Data(stdout.utf8))
      FileHandle.standardError.write(Data(stderr.utf8))
      exit(status)
    case .exec(let path, let argv):
      var cArguments = argv.map { strdup($0) }
      cArguments.append(nil)
      execv(path, cArguments)
      FileHandle.standardError.write(Data("labrun-sim: cannot run \(path)\n".utf8))
      exit(127)
    }
  }
}
