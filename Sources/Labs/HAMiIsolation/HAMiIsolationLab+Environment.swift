import Foundation
import LabPipeline

/// The Environment table, read from the artifacts.
extension HAMiIsolationLab {
  /// GPU architectures by model-name fragment, for the GPU row.
  static let architectures: [(fragment: String, architecture: String)] = [
    ("H100", "Hopper"), ("H200", "Hopper"), ("GH200", "Hopper"), ("B200", "Blackwell"), ("B100", "Blackwell"),
    ("RTX PRO 6000", "Blackwell"), ("RTX 50", "Blackwell"), ("L40", "Ada Lovelace"), ("L4", "Ada Lovelace"),
    ("RTX 6000 Ada", "Ada Lovelace"), ("RTX 40", "Ada Lovelace"), ("A100", "Ampere"), ("A10", "Ampere"),
    ("A16", "Ampere"), ("A30", "Ampere"), ("A40", "Ampere"), ("RTX A", "Ampere"), ("RTX 30", "Ampere"),
    ("T4", "Turing"), ("V100", "Volta"),
  ]

  /// The Environment table. Each row says which file (or run.json) its facts came from; the
  /// card's facts follow ``HostGPUCard``'s precedence.
  public func environment(of bundle: EvidenceBundle) -> EnvironmentSummary {
    let facts = HAMiEvidence(bundle)
    let card = facts.card
    var rows: [EnvironmentSummary.Row] = []
    let dateSource: String = {
      if case .imported = bundle.provenance { return "--date" }
      return "run.json started_at"
    }()
    rows.append(
      .init("Date", bundle.date.map { "\($0) (\(dateSource))" } ?? "unknown (run.json has no started_at)"))

    // Machine: provider, node name, OS.
    let nodeRow = bundle.artifact(HAMiCatalog.nodes).flatMap {
      KubectlTable.nodeRows(in: $0.outputLines).first
    }
    let osFields = bundle.artifact(HAMiCatalog.os).map { ShellOutputs.osRelease(in: $0.outputLines) } ?? [:]
    let os: SourcedFact<String>? = {
      if let name = osFields["NAME"], let version = osFields["VERSION_ID"] {
        return SourcedFact("\(name) \(version)", from: HAMiCatalog.os)
      }
      if let pretty = osFields["PRETTY_NAME"] { return SourcedFact(pretty, from: HAMiCatalog.os) }
      return nodeRow?["OS-IMAGE"].map { SourcedFact($0, from: HAMiCatalog.nodes) }
    }()
    let provider = bundle.provider
    var machine: String
    var hostName = nodeRow?["NAME"].map { SourcedFact($0, from: HAMiCatalog.nodes) }
    var providerFile: String?
    switch (bundle.provenance, bundle.run.target?.kind) {
    case (.imported(let imported), _):
      machine = (provider.map { "\($0) " } ?? "") + "GPU VM"
      providerFile = provider.map { _ in "--provider" }
      hostName = hostName ?? SourcedFact(imported.host, from: "--host")
      if hostName?.value != imported.host { machine += " \(imported.host)" }
    case (_, .simulated?):
      machine = "simulated GPU host"
      hostName = hostName ?? bundle.run.target.map { SourcedFact($0.name, from: "run.json") }
    case (_, .kubeconfig?):
      machine = "existing cluster"
      hostName = hostName ?? bundle.run.target.map { SourcedFact($0.name, from: "run.json") }
    case (_, .local?):
      machine = (provider.map { "\($0) " } ?? "") + "local machine"
      providerFile = provider.map { _ in "run.json" }
    default:
      machine = (provider.map { "\($0) " } ?? "") + "GPU VM"
      providerFile = provider.map { _ in "run.json" }
      hostName = hostName ?? bundle.run.target.map { SourcedFact($0.name, from: "run.json") }
    }
    if let hostName { machine += " (\(hostName.value))" }
    if let os { machine += ", \(os.value)" }
    machine += Self.sources([("provider", providerFile), ("node", hostName?.file), ("OS", os?.file)])
    rows.append(.init("Machine", machine))
    rows.append(.init("GPU", Self.gpuText(card)))
    var driverText = "not in the evidence"
    if let driver = card.driver {
      driverText = driver.value
      if let cuda = card.cuda {
        driverText += " (CUDA \(cuda.value)\(card.cudaFromWorkload ? " in the pod" : ""))"
      }
      let files = Self.distinctFiles([driver.file, card.cuda?.file].compactMap { $0 })
      let inPod = files.contains { $0 != HAMiCatalog.hostGPU } ? "in-pod nvidia-smi, " : ""
      driverText += " (\(inPod)\(files.joined(separator: ", ")))"
    }
    rows.append(.init("Driver", driverText))

    // Kubernetes.
    let version = nodeRow?["VERSION"]
    let runtime = nodeRow?["CONTAINER-RUNTIME"]
    let runtimeLines = bundle.artifact(HAMiCatalog.defaultRuntime)?.outputLines ?? []
    let defaultRuntime = ShellOutputs.defaultRuntime(in: runtimeLines)?.name
    let configVersion = ShellOutputs.containerdConfigVersion(in: runtimeLines)
    var kubernetes: [String] = []
    if let version {
      let distribution = version.contains("+k3s") ? "k3s" : version.contains("+rke2") ? "rke2" : "Kubernetes"
      kubernetes.append("\(distribution) \(version)")
    }
    if let runtime { kubernetes.append(runtime) }
    if let configVersion { kubernetes.append("containerd config v\(configVersion)") }
    kubernetes.append(
      "default-runtime: \(defaultRuntime ?? "not in the evidence (\(HAMiCatalog.defaultRuntime))")")
    let kubernetesFiles =
      (nodeRow != nil ? [HAMiCatalog.nodes] : [])
      + (defaultRuntime != nil ? [HAMiCatalog.defaultRuntime] : [])
    rows.append(
      .init(
        "Kubernetes",
        kubernetes.joined(separator: ", ")
          + (kubernetesFiles.isEmpty ? "" : " (\(kubernetesFiles.joined(separator: ", ")))")))

    // GPU stack: helm releases.
    let releases = bundle.artifact(HAMiCatalog.helmRelease).map { artifact in
      KubectlTable.tables(in: artifact.outputLines).filter { $0.headers.contains("CHART") }.flatMap(\.rows)
    }
    var stack = "not in the evidence (\(HAMiCatalog.helmRelease) missing)"
    if let releases {
      let hami = releases.first { ($0["CHART"] ?? "").hasPrefix("hami-") }
      if let hami {
        let chartVersion = (hami["CHART"] ?? "").dropFirst("hami-".count)
        stack = "HAMi \(hami["APP VERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? String(chartVersion))"
        stack +=
          " (helm release \(hami["NAME"] ?? "?"), chart \(hami["CHART"] ?? "?"), \(hami["STATUS"] ?? "status unknown"))"
      } else {
        stack = "no HAMi release in helm list"
      }
      if let tag = Self.schedulerImageTag(in: bundle.artifact(HAMiCatalog.hamiPods)?.outputLines ?? []) {
        let server = version.map { String($0.prefix { $0 != "+" }) }
        stack +=
          server == tag
          ? ", scheduler image tag \(tag) matched to the k8s server version"
          : ", scheduler image tag \(tag) (k8s server \(server ?? "unknown"): mismatch)"
      }
      if releases.contains(where: { ($0["CHART"] ?? "").contains("gpu-operator") }) {
        stack += ". NVIDIA GPU Operator release present (it must not coexist with HAMi's device plugin)"
      } else {
        stack += ". No GPU Operator release (HAMi ships its own device plugin; the two must not coexist)"
      }
    }
    if releases != nil {
      let tagged = Self.schedulerImageTag(in: bundle.artifact(HAMiCatalog.hamiPods)?.outputLines ?? []) != nil
      stack += " (\(HAMiCatalog.helmRelease)\(tagged ? ", \(HAMiCatalog.hamiPods)" : ""))"
    }
    rows.append(.init("GPU stack", stack))

    // HAMi pods.
    var podsText = "not in the evidence (\(HAMiCatalog.hamiPods) missing)"
    if let artifact = bundle.artifact(HAMiCatalog.hamiPods) {
      let pods = KubectlTable.podRows(in: artifact.outputLines).filter {
        ($0["NAME"] ?? "").hasPrefix("hami")
      }
      podsText =
        pods.isEmpty
        ? "no HAMi pods listed (\(HAMiCatalog.hamiPods))"
        : pods.map { "\(Self.workloadName($0["NAME"] ?? "")) \($0["READY"] ?? "?") \($0["STATUS"] ?? "?")" }
          .joined(separator: ", ") + " (\(HAMiCatalog.hamiPods))"
    }
    rows.append(.init("HAMi pods", podsText))

    // Registration.
    var registrationText = "not in the evidence (\(HAMiCatalog.nodeAllocatable) missing)"
    if let artifact = bundle.artifact(HAMiCatalog.nodeAllocatable) {
      let sections = artifact.sections.map { (command: $0.command, lines: $0.lines) }
      let allocatable = ShellOutputs.allocatableGPUs(in: sections)
      let registration = HAMiRegistration(lines: artifact.outputLines)
      var parts: [String] = []
      if let allocatable {
        let split = registration?.devices.first?.count.map { " \($0)" } ?? ""
        let cards =
          registration.map { "\($0.devices.count) card\($0.devices.count == 1 ? "" : "s") × " } ?? ""
        parts.append(
          "node allocatable nvidia.com/gpu = \(allocatable.count) (\(cards)deviceSplitCount\(split))")
      } else {
        parts.append("allocatable nvidia.com/gpu not shown")
      }
      if let device = registration?.devices.first {
        var fields: [String] = []
        if let devmem = device.devmem { fields.append("devmem:\(devmem)") }
        if let devcore = device.devcore { fields.append("devcore:\(devcore)") }
        if let type = device.type { fields.append("type:\"\(type)\"") }
        if let mode = device.mode { fields.append("mode:\"\(mode)\"") }
        parts.append("hami.io/node-nvidia-register → " + fields.joined(separator: ", "))
      } else {
        parts.append("no hami.io/node-nvidia-register annotation")
      }
      registrationText = parts.joined(separator: "; ") + " (\(HAMiCatalog.nodeAllocatable))"
    }
    rows.append(.init("Registration", registrationText))
    rows += Self.clusterRows(bundle)

    return EnvironmentSummary(
      rows: rows, gpu: card.name?.value, gpuMemoryMiB: card.memoryMiB?.value, gpuUUID: card.uuid?.value,
      driver: card.driver?.value, cuda: card.cuda?.value, kubernetes: version, machine: machine,
      note: Self.environmentNote)
  }

  /// The GPU row: name, memory, UUID, architecture, MIG, GPU count, and where each came from.
  static func gpuText(_ card: HostGPUCard) -> String {
    guard card.isKnown else {
      return
        "not in the evidence (\(HAMiCatalog.hostGPU) and \(HAMiCatalog.nodeAllocatable) missing or unreadable)"
    }
    var text = card.name?.value ?? "unnamed GPU"
    if let mib = card.memoryMiB?.value { text += ", \(mib.roundedGB) GB (\(mib) MiB)" }
    if let uuid = card.uuid?.value { text += ", UUID \(uuid)" }
    let architecture = card.name.flatMap { name in
      Self.architectures.first { name.value.contains($0.fragment) }?.architecture
    }
    let mig: String? = {
      switch card.migMode?.value {
      case "N/A"?, "[N/A]"?: return "no MIG - software sharing is the only option (the HAMi premise)"
      case "Disabled"?: return "MIG disabled - HAMi shares the whole card in software"
      case "Enabled"?: return "MIG ENABLED (HAMi needs MIG off)"
      case let other?: return "MIG mode \(other)"
      case nil: return nil
      }
    }()
    let tail = [architecture, mig].compactMap { $0 }.joined(separator: ", ")
    if !tail.isEmpty { text += "; \(tail)" }
    if let count = card.gpuCount?.value, count > 1 { text += "; \(count) GPUs on the host" }
    return text
      + sources([
        ("name", card.name?.file), ("memory", card.memoryMiB?.file), ("UUID", card.uuid?.file),
        ("MIG", card.migMode?.file), ("GPU count", card.gpuCount?.file),
      ])
  }

  /// ` (file)` when every fact came from one file, else ` (fact, fact: file; fact: file)`;
  /// empty when no fact has a source.
  static func sources(_ facts: [(fact: String, file: String?)]) -> String {
    let files = distinctFiles(facts.compactMap(\.file))
    if files.count == 1, let file = files.first { return " (\(file))" }
    let groups = files.map { file in
      facts.filter { $0.file == file }.map(\.fact).joined(separator: ", ") + ": " + file
    }
    return groups.isEmpty ? "" : " (\(groups.joined(separator: "; ")))"
  }

  /// `files` without repeats, in first-seen order.
  static func distinctFiles(_ files: [String]) -> [String] {
    var seen: Set<String> = []
    return files.filter { seen.insert($0).inserted }
  }

  /// The kube-scheduler image tag of the HAMi scheduler (`…/kube-scheduler:v1.33.1`), when captured.
  static func schedulerImageTag(in lines: [String]) -> String? {
    let pattern = #/kube-scheduler:(v[0-9][0-9A-Za-z.\-]*)/#
    return lines.lazy.compactMap { $0.firstMatch(of: pattern).map { String($0.output.1) } }.first
  }

  /// `hami-scheduler-78db5bffbc-hf2jf` → `hami-scheduler`; `hami-device-plugin-wtchf` → `hami-device-plugin`.
  static func workloadName(_ pod: String) -> String {
    var parts = pod.split(separator: "-").map(String.init)
    func isRandom(_ part: String, lengths: ClosedRange<Int>) -> Bool {
      lengths.contains(part.count) && part.allSatisfy { $0.isLowercase || $0.isNumber }
    }
    if parts.count > 2, let last = parts.last, isRandom(last, lengths: 5...5) {
      parts.removeLast()
      if parts.count > 2, let hash = parts.last, isRandom(hash, lengths: 8...10),
        hash.contains(where: \.isNumber)
      {
        parts.removeLast()
      }
    }
    return parts.joined(separator: "-")
  }
}
