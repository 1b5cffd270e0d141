import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The simulated host's model on disk: `state.json`, read and written under an exclusive
/// lock so concurrent simulated commands (e.g. one left running by a killed labrun) see
/// each other's changes whole.
public struct SimStore: Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  var stateFile: String { directory + "/state.json" }

  /// The profile and scenario the host was set up with.
  func initialState() -> SimState {
    let profileID = read("profile") ?? SimProfile.defaultID
    let scenario = read("scenario").flatMap(SimScenario.init(rawValue:)) ?? SimScenario.none
    var state = SimState(profile: SimProfile.named(profileID) ?? SimProfile.all[0], scenario: scenario)
    if let hostname = read("hostname"), !hostname.isEmpty {
      state.nodeName = hostname
      // Every machine's cards have UUIDs of their own, as real cards do (two `sim:h100-80gb/…`
      // nodes of one cluster must not share one).
      if state.profile.hasGPU { state.profile.uuid = SimProfile.uuid(state.profile.uuid, of: hostname) }
    }
    if let address = read("address"), !address.isEmpty { state.address = address }
    if read("prebuilt") != nil {
      let nodes = (read("prebuilt-nodes") ?? "").split(separator: " ").compactMap {
        SimProfile.named(String($0))
      }
      return SimState.preBuiltCluster(
        profile: state.profile, scenario: scenario, hostname: state.nodeName, otherNodes: nodes)
    }
    if scenario == .gpuOperatorPresent || scenario == .devicePluginPresent {
      state.k3sVersion = "v1.31.4+k3s1"
      state.k3sExec = "server"
      state.k3sActive = true
    }
    return state
  }

  /// The network the host shares with other simulated hosts, if it was set up on one.
  var network: SimNetwork? { read("network").map(SimNetwork.init(directory:)) }

  func read(_ name: String) -> String? {
    (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `body` on the current state under the lock and saves what it leaves.
  public func update<T>(_ body: (inout SimState) throws -> T) throws -> T {
    let fd = open(directory + "/state.lock", O_CREAT | O_RDWR, 0o644)
    guard fd >= 0 else { throw SimToolError.io("cannot open \(directory)/state.lock") }
    defer { close(fd) }
    _ = flock(fd, LOCK_EX)
    defer { _ = flock(fd, LOCK_UN) }
    var state = load()
    let before = state
    let result = try body(&state)
    state.noteRegistration()
    state.noteAgentRegistrations()
    if state != before || !FileManager.default.fileExists(atPath: stateFile) {
      try save(state)
    }
    syncInstalledCommands(state)
    return result
  }

  /// The current state without changing it.
  public func load() -> SimState {
    guard let data = FileManager.default.contents(atPath: stateFile),
      let state = try? JSONDecoder.labrun.decode(SimState.self, from: data)
    else { return initialState() }
    return state
  }

  private func save(_ state: SimState) throws {
    let data = try JSONEncoder.labrun.encode(state)
    let temporary = stateFile + ".tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
      throw SimToolError.io("cannot write \(temporary)")
    }
    guard rename(temporary, stateFile) == 0 else { throw SimToolError.io("cannot replace \(stateFile)") }
  }

  /// Makes bin/ hold the installed programs (k3s, kubectl, helm, …) exactly when installed.
  private func syncInstalledCommands(_ state: SimState) {
    let tool = read("tool") ?? ""
    let wanted: [String: Bool] = [
      "k3s": state.k3sVersion != nil, "kubectl": state.k3sVersion != nil,
      "k3s-uninstall.sh": state.k3sVersion != nil && !state.isAgent,
      "k3s-agent-uninstall.sh": state.k3sVersion != nil && state.isAgent, "helm": state.helmInstalled,
      "nvidia-ctk": state.toolkitInstalled,
    ]
    for (name, present) in wanted {
      let path = directory + "/bin/" + name
      let exists = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
      if present, !exists, !tool.isEmpty {
        try? FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: tool)
      } else if !present, exists {
        try? FileManager.default.removeItem(atPath: path)
      }
    }
  }
}
