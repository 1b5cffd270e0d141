import Foundation
import LabPipeline

/// The `hami.io/vgpu-devices-allocated` pod annotation: which physical GPU (by UUID) HAMi's
/// scheduler gave each container of a pod, and how much of it.
///
/// Encoding (HAMi 2.x `EncodeContainerDevices`): per device `UUID,Type,MiB,cores:`, per
/// container the device list then `;`. One container, one GPU, 8000 MiB:
/// `GPU-3c4a3856-fbb4-1425-9679-aed25f4d2977,NVIDIA,8000,0:;`.
///
/// The co-residency artifact may carry one section per share pod:
/// `$ kubectl get pod hami-share-a -o jsonpath='{.metadata.annotations.hami\.io/vgpu-devices-allocated}'`
/// (or a YAML / describe dump of that pod with a `hami.io/vgpu-devices-allocated: …` line).
public struct HAMiPodAllocation: Sendable, Hashable {
  /// One allocated device.
  public struct Device: Sendable, Hashable {
    public var uuid: String
    public var type: String
    public var memoryMiB: Int?
    public var cores: Int?
  }

  public var pod: String
  public var devices: [Device]
  /// The line the annotation was read from.
  public var line: String

  /// The annotation's value decoded; nil when it holds no `GPU-…` device.
  public static func devices(in value: String) -> [Device]? {
    var devices: [Device] = []
    for container in value.split(separator: ";") {
      for entry in container.split(separator: ":") {
        let fields = entry.split(separator: ",", omittingEmptySubsequences: false)
          .map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 2, fields[0].hasPrefix("GPU-") else { continue }
        devices.append(
          Device(
            uuid: fields[0], type: fields[1], memoryMiB: fields.count > 2 ? Int(fields[2]) : nil,
            cores: fields.count > 3 ? Int(fields[3]) : nil))
      }
    }
    return devices.isEmpty ? nil : devices
  }

  /// Every pod's allocation in `artifact`, by pod name: from sections whose command names one
  /// pod and asks for the annotation (its output is the value), or a `vgpu-devices-allocated:`
  /// line inside a section that names one pod.
  public static func allocations(in artifact: Artifact) -> [String: HAMiPodAllocation] {
    var found: [String: HAMiPodAllocation] = [:]
    for section in artifact.sections {
      guard let command = section.command, let pod = podName(in: command) else { continue }
      let lines = HAMiCoreLog.strippingMessages(section.lines)
      let asksForAnnotation = command.contains("vgpu-devices-allocated")
      for line in lines {
        var value: Substring?
        if let range = line.range(of: "vgpu-devices-allocated:") {
          value = line[range.upperBound...]
        } else if asksForAnnotation, line.trimmingCharacters(in: .whitespaces).hasPrefix("GPU-") {
          value = Substring(line)
        }
        guard let value else { continue }
        let text = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        if let devices = devices(in: text) {
          found[pod] = HAMiPodAllocation(pod: pod, devices: devices, line: line)
          break
        }
      }
    }
    return found
  }

  /// The one pod a `kubectl get pod NAME …` / `kubectl describe pod NAME` command names.
  static func podName(in command: String) -> String? {
    let pattern =
      #/kubectl\s+(?:[^|;&]*?\s)?(?:get|describe)\s+(?:pods?\s+|pods?\/)['"]?([a-z0-9][a-z0-9.\-]*)/#
    return command.firstMatch(of: pattern).map { String($0.output.1) }
  }
}
