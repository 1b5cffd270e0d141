import Foundation
import LabPipeline

/// The lab's template files, read on the machine labrun runs on.
struct LabFiles: Sendable {
  let directory: URL

  func text(_ relativePath: String) throws -> String {
    let file = directory.appendingPathComponent(relativePath)
    do {
      return try String(contentsOf: file, encoding: .utf8)
    } catch {
      throw StepError.unexpected(
        "cannot read \(file.path) (\(error.localizedDescription)); the lab directory must hold manifests/ and probes/"
      )
    }
  }

  /// `manifests/gpu-pod.yaml` for one pod.
  func gpuPod(name: String, image: String, gpumemMiB: Int) throws -> String {
    try Self.render(
      try text("manifests/gpu-pod.yaml"), ["name": name, "image": image, "gpumem": String(gpumemMiB)])
  }

  /// `manifests/probe-configmap.yaml` with `probes/probe.cu` inside.
  func probeConfigMap() throws -> String {
    let source = try text("probes/probe.cu").split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    return try Self.render(try text("manifests/probe-configmap.yaml"), ["probe_cu": source])
  }

  /// Replaces each `{{key}}`; a placeholder left over is an error, not a silent blank.
  static func render(_ template: String, _ values: [String: String]) throws -> String {
    var text =
      template
      .split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("#") }
      .joined(separator: "\n")
    for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
    if let range = text.range(of: "{{") {
      let rest = text[range.lowerBound...].prefix(40)
      throw StepError.unexpected("template value missing: \(rest)")
    }
    return text
  }
}
