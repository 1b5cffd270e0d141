import Foundation
import LabSim

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// labrun run under the name of one of the simulated host's tools (`nvidia-smi`, `kubectl`,
/// `helm`, …): the links on the simulated host's closed PATH all point at labrun itself, so
/// one executable is both the CLI and the host it simulates (a multi-call program, dispatched
/// on argv[0]).
enum SimulatedCommand {
  /// Runs the simulated tool and exits when argv[0]'s base name is one of them; returns
  /// otherwise, for labrun's own command line.
  static func runIfCalledAsOne(_ arguments: [String] = CommandLine.arguments) {
    let name = URL(fileURLWithPath: arguments.first ?? "labrun").lastPathComponent
    guard SimulatedHost.toolNames.contains(name) else { return }
    let environment = ProcessInfo.processInfo.environment
    // Ends with the labrun that runs its command, as a real host's processes end with their session.
    SimSession.watch(environment: environment)
    guard let directory = environment["LABRUN_SIM_DIR"] else {
      StandardError.write(
        "\(name): this is labrun's simulated \(name); it runs only on the simulated host (labrun --host sim)")
      exit(2)
    }
    // LABRUN_SIM_COMMAND_MS: every simulated tool answers that many milliseconds late, as a
    // real host's work and round trip would (the fleet benchmark measures waiting, not CPU).
    if let delay = environment["LABRUN_SIM_COMMAND_MS"].flatMap(Int.init), delay > 0 {
      usleep(useconds_t(min(delay, 60_000)) * 1000)
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
      StandardError.write("\(name): cannot run \(path): \(String(cString: strerror(errno)))")
      exit(127)
    }
  }
}
