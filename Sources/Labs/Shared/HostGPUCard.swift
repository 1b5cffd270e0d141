import LabPipeline

/// The card as the host's own `nvidia-smi`, `nvidia-smi -L` and `--query-gpu` CSV showed it in
/// one artifact (the labs without Kubernetes file them as `0-host-gpu.txt`): the query first,
/// then `-L`, then the table.
struct HostGPUCard: Sendable, Hashable {
  var name: String?
  var uuid: String?
  var memoryMiB: Int?
  var driver: String?
  var cuda: String?
  var migMode: String?
  /// `Default`, `Exclusive_Process`, `Prohibited`; nil when the query did not ask.
  var computeMode: String?
  var gpuCount: Int?

  init(_ host: Artifact?) {
    let query = host.flatMap(NvidiaSMIQuery.init(artifact:))?.rows.first
    let table = host.flatMap { NvidiaSMITable(lines: $0.outputLines) }
    let list = host.flatMap { NvidiaSMIList(lines: $0.outputLines) }
    name = query?["name"] ?? list?.gpus.first?.name
    uuid = query?["uuid"] ?? list?.gpus.first?.uuid
    memoryMiB = NvidiaSMIQuery.mebibytes(query?["memory.total"]) ?? table?.gpus.first?.memoryTotalMiB
    driver = query?["driver_version"] ?? table?.driverVersion
    cuda = table?.cudaVersion
    migMode = query?["mig.mode.current"] ?? table?.gpus.first?.migMode
    computeMode = query?["compute_mode"]
    gpuCount = list?.gpus.count ?? table.map { $0.gpus.count }
  }
}
