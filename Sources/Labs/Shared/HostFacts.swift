import Foundation
import LabPipeline

/// What one round-trip learns about a host: OS, kernel, arch, privilege, and the GPU as
/// `nvidia-smi` reports it. `labrun ping` prints it; preflight decides from it.
public struct HostFacts: Sendable, Hashable, Codable {
  /// How privileged commands will run.
  public enum Privilege: String, Sendable, Hashable, Codable {
    /// Logged in as root: no sudo needed.
    case root
    /// `sudo -n true` succeeded.
    case passwordlessSudo = "passwordless-sudo"
    /// sudo exists but wants a password: labrun cannot run privileged steps.
    case sudoNeedsPassword = "sudo-needs-password"
    /// No sudo on the host.
    case noSudo = "no-sudo"
  }

  /// One GPU from `nvidia-smi --query-gpu`.
  public struct GPU: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String?
    public var memoryMiB: Int?
    public var driver: String?
    public var migMode: String?

    public init(name: String, uuid: String?, memoryMiB: Int?, driver: String?, migMode: String?) {
      self.name = name
      self.uuid = uuid
      self.memoryMiB = memoryMiB
      self.driver = driver
      self.migMode = migMode
    }

    /// `memory_mib` (also under `ping --json`'s snake case), not the derived `memory_mi_b`.
    enum CodingKeys: String, CodingKey {
      case name, uuid, driver, migMode
      case memoryMiB = "memory_mib"
      /// What ledgers written before the key was fixed hold.
      case legacyMemoryMiB = "memoryMiB"
    }

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      name = try container.decode(String.self, forKey: .name)
      uuid = try container.decodeIfPresent(String.self, forKey: .uuid)
      memoryMiB =
        try container.decodeIfPresent(Int.self, forKey: .memoryMiB)
        ?? container.decodeIfPresent(Int.self, forKey: .legacyMemoryMiB)
      driver = try container.decodeIfPresent(String.self, forKey: .driver)
      migMode = try container.decodeIfPresent(String.self, forKey: .migMode)
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      try container.encodeIfPresent(uuid, forKey: .uuid)
      try container.encodeIfPresent(memoryMiB, forKey: .memoryMiB)
      try container.encodeIfPresent(driver, forKey: .driver)
      try container.encodeIfPresent(migMode, forKey: .migMode)
    }
  }

  /// `PRETTY_NAME` from /etc/os-release.
  public var os: String?
  /// `ID` and `ID_LIKE` from /etc/os-release (for the apt-based check).
  public var osFamily: [String]
  public var kernel: String?
  public var arch: String?
  public var user: String?
  public var privilege: Privilege
  /// Whether an `nvidia-smi` binary was found.
  public var nvidiaSMIFound: Bool
  /// nvidia-smi's exit status, when it ran.
  public var nvidiaSMIExitStatus: Int32?
  /// nvidia-smi's own words when it failed (e.g. "NVIDIA-SMI has failed because…").
  public var nvidiaSMIError: String?
  public var gpus: [GPU]

  /// Whether nvidia-smi ran and reported at least one GPU.
  public var driverWorks: Bool { nvidiaSMIExitStatus == 0 && !gpus.isEmpty }

  /// The probe: one POSIX sh script, read-only, safe on any host.
  public static let probe = RemoteCommand(
    """
    if [ -r /etc/os-release ]; then . /etc/os-release; fi
    echo "os=${PRETTY_NAME:-}"
    echo "os_family=${ID:-} ${ID_LIKE:-}"
    echo "kernel=$(uname -r)"
    echo "arch=$(uname -m)"
    echo "user=$(id -un)"
    if [ "$(id -u)" = 0 ]; then echo privilege=root
    elif ! command -v sudo >/dev/null 2>&1; then echo privilege=no-sudo
    elif sudo -n true >/dev/null 2>&1; then echo privilege=passwordless-sudo
    else echo privilege=sudo-needs-password; fi
    if command -v nvidia-smi >/dev/null 2>&1; then
      echo nvidia_smi=found
      out=$(nvidia-smi --query-gpu=name,uuid,memory.total,driver_version,mig.mode.current --format=csv 2>&1)
      status=$?
      echo "nvidia_smi_exit=$status"
      printf '%s\\n' "$out"
    else
      echo nvidia_smi=missing
    fi
    """, timeout: .seconds(60))

  /// Reads the probe's output.
  public init(probeOutput: String) {
    var values: [String: String] = [:]
    var rest: [String] = []
    var afterExit = false
    for line in probeOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if afterExit {
        rest.append(line)
        continue
      }
      guard let equals = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<equals])
      values[key] = String(line[line.index(after: equals)...])
      if key == "nvidia_smi_exit" { afterExit = true }
    }
    os = values["os"].flatMap { $0.isEmpty ? nil : $0 }
    osFamily = (values["os_family"] ?? "").split(separator: " ").map(String.init)
    kernel = values["kernel"]
    arch = values["arch"]
    user = values["user"]
    privilege = values["privilege"].flatMap(Privilege.init(rawValue:)) ?? .noSudo
    nvidiaSMIFound = values["nvidia_smi"] == "found"
    nvidiaSMIExitStatus = values["nvidia_smi_exit"].flatMap { Int32($0) }
    let query = NvidiaSMIQuery(lines: rest)
    gpus = (query?.rows ?? []).map { row in
      GPU(
        name: row["name"] ?? "unknown", uuid: row["uuid"],
        memoryMiB: NvidiaSMIQuery.mebibytes(row["memory.total"]),
        driver: row["driver_version"], migMode: row["mig.mode.current"])
    }
    if nvidiaSMIFound, !driverWorks {
      nvidiaSMIError = rest.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "no output"
    }
  }

  /// Runs the probe on `transport`.
  public static func gather(on transport: any Transport) async throws -> HostFacts {
    let output = try await transport.run(probe)
    guard output.exitStatus == 0 else {
      throw HostFactsError.probeFailed(status: output.exitStatus, stderr: output.stderrText)
    }
    return HostFacts(probeOutput: output.stdoutText)
  }

  /// Whether the distribution is Debian-family (apt-based).
  public var isAptBased: Bool { osFamily.contains { $0 == "debian" || $0 == "ubuntu" } }
}

/// Why the fact probe could not run.
public enum HostFactsError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The probe script itself failed.
  case probeFailed(status: Int32, stderr: String)

  public var description: String {
    switch self {
    case .probeFailed(let status, let stderr):
      let detail = stderr.split(separator: "\n").first.map(String.init) ?? ""
      return "the fact probe exited \(status) on the host: \(detail); check that /bin/sh works for this user"
    }
  }

  public var errorDescription: String? { description }
}

extension HostFactsError: ExitCodeProviding {
  /// The target answered, but not usably: the target's failure (3), as `ping` documents.
  public var exitCode: Int32 { LabrunExitCode.targetFailed }
}
