import Foundation
import LabPipeline

/// The private network simulated hosts share: `<state>/sim/network/<address>` is a link to the
/// directory of the host with that address, so one simulated host (an agent) reaches another
/// (its k3s server) by the address a real one would use. Addresses are handed out by the
/// hosts' setup (``SimulatedHost/setupScript(toolPath:)``), first come first served.
public struct SimNetwork: Sendable, Hashable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// The directory of the simulated host at `address`, or nil when no host has it.
  public func host(at address: String) -> String? {
    guard !address.isEmpty, !address.contains("/"), address != ".", address != ".." else { return nil }
    return try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + address)
  }

  /// The shell lines that give the host in `hostDirectory` an address on this network (kept
  /// across setups) and write it to the host's `address` file. `ln -s` is atomic: two hosts
  /// set up at once never get the same address (`-n`: an existing link to a directory is a
  /// name taken, not a directory to link into).
  func allocationScript(for hostDirectory: String) -> String {
    let net = ShellQuote.quote(directory)
    let dir = ShellQuote.quote(hostDirectory)
    return [
      "mkdir -p \(net)",
      "if [ -s \(dir)/address ]; then a=$(cat \(dir)/address); [ -L \(net)/\"$a\" ] || ln -sn \(dir) \(net)/\"$a\"; "
        + "else n=5; while [ $n -lt 255 ]; do if ln -sn \(dir) \(net)/10.0.0.$n 2>/dev/null; then "
        + "printf '%s\\n' 10.0.0.$n > \(dir)/address; break; fi; n=$((n+1)); done; "
        + "[ -s \(dir)/address ] || { echo 'labrun: simulated network \(directory) is full' >&2; exit 1; }; fi",
    ].joined(separator: "\n")
  }
}
