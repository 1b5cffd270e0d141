import Foundation
import LabPipeline

/// The host's card as the whole bundle shows it, each fact with the artifact it came from.
///
/// Every fact comes from any artifact that carries it; the first source in this order wins:
/// - memory: the host's `--query-gpu` memory.total, the host's nvidia-smi table, then the HAMi
///   registration's `devmem` (node-allocatable.txt; HAMi registers the card's memory ×
///   deviceMemoryScaling, 1 unless the chart changes it);
/// - name: the query, `nvidia-smi -L`, the registration's `type`, the host table (names there
///   may be cut short with `...`);
/// - UUID: the query, `-L`, the registration's `id`;
/// - driver: the query's driver_version, the host table's header, then an in-pod nvidia-smi
///   header (`Driver Version:` or `KMD Version:`; the pods run on the host's driver);
/// - CUDA: the host table's header, then an in-pod header (which follows the pod's image);
/// - GPU count: `-L` (physical GPUs only, MIG devices not counted), the query's rows, the host
///   table's rows, the registration's devices;
/// - MIG mode: the query's mig.mode.current, the host table's MIG M. cell, then an in-pod
///   table's (the pod sees the same card).
///
/// On a host with several GPUs, `preferredUUID` (the GPU HAMi gave the share pods) picks the
/// row the per-card facts come from; otherwise the first GPU's.
public struct HAMiCard: Sendable, Hashable {
  public var name: SourcedFact<String>?
  public var uuid: SourcedFact<String>?
  public var memoryMiB: SourcedFact<Int>?
  public var driver: SourcedFact<String>?
  public var cuda: SourcedFact<String>?
  /// `N/A`, `Disabled` or `Enabled`.
  public var migMode: SourcedFact<String>?
  /// Physical GPUs on the host.
  public var gpuCount: SourcedFact<Int>?
  /// Lines that showed the host's GPUs (header, `-L` lines, query lines).
  public var excerpt: [String]
  /// Whether the CUDA version is the one an in-pod nvidia-smi reported (it may differ from the
  /// host's: it follows the image).
  public var cudaFromPod: Bool

  /// Reads the card from `bundle`; `probeFiles` are the share pods' probe artifacts, in pod order.
  public init(bundle: EvidenceBundle, probeFiles: [String], preferredUUID: String? = nil) {
    let hostFile = HAMiCatalog.hostGPU
    let hostArtifact = bundle.artifact(hostFile)
    let hostLines = hostArtifact?.outputLines ?? []
    let query = hostArtifact.flatMap(NvidiaSMIQuery.init(artifact:))
    let list = NvidiaSMIList(lines: hostLines)
    let table = NvidiaSMITable(lines: hostLines)
    let registrationFile = HAMiCatalog.nodeAllocatable
    let registration = bundle.artifact(registrationFile).flatMap { HAMiRegistration(lines: $0.outputLines) }

    let row = query?.rows.first { $0["uuid"] == preferredUUID } ?? query?.rows.first
    let listed = list?.gpus.first { $0.uuid == preferredUUID } ?? list?.gpus.first
    let tableGPU = table?.gpus.first { $0.index == listed?.index } ?? table?.gpus.first
    let device = registration?.devices.first { $0.id == preferredUUID } ?? registration?.devices.first

    func host<Value>(_ value: Value?) -> SourcedFact<Value>? { value.map { SourcedFact($0, from: hostFile) } }
    func registered<Value>(_ value: Value?) -> SourcedFact<Value>? {
      value.map { SourcedFact($0, from: registrationFile) }
    }

    memoryMiB =
      host(NvidiaSMIQuery.mebibytes(row?["memory.total"])) ?? host(tableGPU?.memoryTotalMiB)
      ?? registered(device?.devmem)
    name =
      host(row?["name"]) ?? host(listed?.name) ?? registered(device?.type.map(Self.modelName))
      ?? host(tableGPU?.name)
    uuid = host(row?["uuid"]) ?? host(listed?.uuid) ?? registered(device?.id)
    let mig = row?["mig.mode.current"].map { $0 == "[N/A]" ? "N/A" : $0 } ?? tableGPU?.migMode
    var migFact = host(mig)
    gpuCount =
      host(list?.gpus.count) ?? host(query?.rows.count) ?? host(
        table.flatMap { $0.gpus.isEmpty ? nil : $0.gpus.count })
      ?? registered(registration?.devices.count)

    var driver = host(row?["driver_version"]) ?? host(table?.driverVersion)
    var cuda = host(table?.cudaVersion)
    var cudaFromPod = false
    for file in probeFiles where driver == nil || cuda == nil || migFact == nil {
      guard let podTable = bundle.artifact(file).flatMap({ NvidiaSMITable(lines: $0.outputLines) }) else {
        continue
      }
      if driver == nil, let version = podTable.driverVersion { driver = SourcedFact(version, from: file) }
      if cuda == nil, let version = podTable.cudaVersion {
        cuda = SourcedFact(version, from: file)
        cudaFromPod = true
      }
      // The pod sees the same card: its MIG M. cell is the card's MIG mode.
      if migFact == nil, let mode = podTable.gpus.first?.migMode { migFact = SourcedFact(mode, from: file) }
    }
    self.migMode = migFact
    self.driver = driver
    self.cuda = cuda
    self.cudaFromPod = cudaFromPod

    var excerpt: [String] = []
    if let header = table?.headerLine { excerpt.append(header) }
    excerpt += list?.gpus.map(\.line) ?? []
    excerpt += query?.lines ?? []
    if memoryMiB?.file == registrationFile, let line = registration?.line { excerpt.append(line) }
    self.excerpt = excerpt
  }

  /// Whether the evidence showed anything about the card.
  public var isKnown: Bool { name != nil || memoryMiB != nil || uuid != nil || gpuCount != nil }

  /// `NVIDIA-Tesla T4` → `Tesla T4`, `NVIDIA-NVIDIA H20-3e` → `NVIDIA H20-3e`: HAMi prefixes
  /// the vendor when registering; the model name is what follows.
  static func modelName(_ type: String) -> String {
    type.hasPrefix("NVIDIA-") ? String(type.dropFirst("NVIDIA-".count)) : type
  }

}
