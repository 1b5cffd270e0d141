import Foundation

/// Small outputs the checks and the Environment table read: `env`, `/etc/ld.so.preload`,
/// `/etc/os-release`, the containerd `default_runtime_name` line, allocatable GPUs.
public enum ShellOutputs {
  /// `KEY=VALUE` lines (the last value of a key wins).
  public static func environment(in lines: [String]) -> [String: String] {
    var variables: [String: String] = [:]
    let pattern = #/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/#
    for line in HAMiCoreLog.strippingMessages(lines) {
      if let match = line.firstMatch(of: pattern) {
        variables[String(match.output.1)] = String(match.output.2)
      }
    }
    return variables
  }

  /// A HAMi-core memory limit value (`8000m`, `8g`, `8388608000`) in MiB; a bare number is bytes.
  public static func memoryLimitMiB(_ value: String) -> Int? {
    let trimmed = value.trimmingCharacters(in: .whitespaces).lowercased()
    guard let last = trimmed.last else { return nil }
    let number = trimmed.prefix { $0.isNumber }
    guard let amount = Int(number) else { return nil }
    let suffix = trimmed.dropFirst(number.count)
    switch suffix {
    case "m", "mi", "mib": return amount
    case "g", "gi", "gib": return amount * 1024
    case "k", "ki", "kib": return amount % 1024 == 0 ? amount / 1024 : nil
    case "": return last.isNumber && amount % 1_048_576 == 0 ? amount / 1_048_576 : nil
    default: return nil
    }
  }

  /// The `/etc/ld.so.preload` section's library paths: `nil` when the artifact has no such
  /// section, `[]` when it shows the file is missing or empty.
  public static func preloadedLibraries(in artifact: [(command: String?, lines: [String])]) -> [String]? {
    guard let section = artifact.last(where: { $0.command?.contains("ld.so.preload") ?? false }) else {
      return nil
    }
    return HAMiCoreLog.strippingMessages(section.lines)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { $0.hasPrefix("/") && !$0.contains(" ") }
  }

  /// `default_runtime_name = "nvidia"` → `nvidia`.
  public static func defaultRuntime(in lines: [String]) -> (name: String, line: String)? {
    let pattern = #/default_runtime_name\s*=\s*"([^"]*)"/#
    for line in lines {
      if let match = line.firstMatch(of: pattern) { return (String(match.output.1), line) }
    }
    return nil
  }

  /// The containerd config `version = N` line, when captured.
  public static func containerdConfigVersion(in lines: [String]) -> Int? {
    let pattern = #/^\s*version\s*=\s*(\d+)\s*$/#
    return lines.lazy.compactMap { $0.firstMatch(of: pattern).flatMap { Int($0.output.1) } }.first
  }

  /// `/etc/os-release` fields.
  public static func osRelease(in lines: [String]) -> [String: String] {
    var fields: [String: String] = [:]
    let pattern = #/^([A-Z_]+)=(.*)$/#
    for line in lines {
      if let match = line.firstMatch(of: pattern) {
        fields[String(match.output.1)] = String(match.output.2).trimmingCharacters(
          in: CharacterSet(charactersIn: "\"'"))
      }
    }
    return fields
  }

  /// Allocatable `nvidia.com/gpu`: from `nvidia.com/gpu: 10` / `"nvidia.com/gpu":"10"`, or the
  /// first bare number printed by a command that asks for allocatable.
  public static func allocatableGPUs(in sections: [(command: String?, lines: [String])]) -> (
    count: Int, line: String
  )? {
    let pattern = #/nvidia\.com/gpu"?\s*:\s*"?(\d+)/#
    for section in sections {
      for line in section.lines {
        if let match = line.firstMatch(of: pattern), let count = Int(match.output.1) { return (count, line) }
      }
    }
    for section in sections where section.command?.contains("allocatable") ?? false {
      for line in HAMiCoreLog.strippingMessages(section.lines) {
        let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        if let count = Int(trimmed) { return (count, line) }
      }
    }
    return nil
  }
}
