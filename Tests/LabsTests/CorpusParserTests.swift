import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// Every parser on the real public outputs in `Fixtures/corpus/` (each file's URL is in its
/// README): what the verifier must read from each.
@Suite struct CorpusParserTests {
  /// A corpus file as an artifact would hold it (sections, ANSI stripped).
  static func artifact(_ name: String) throws -> Artifact {
    Artifact(name: name, data: try Data(contentsOf: Fixtures.url("corpus/\(name)")))
  }

  static func lines(_ name: String) throws -> [String] { try artifact(name).outputLines }

  struct GPUList: Sendable, CustomTestStringConvertible {
    var file: String
    var gpus: Int
    var migDevices: Int
    var firstName: String
    var testDescription: String { file }
  }

  @Test(arguments: [
    GPUList(
      file: "nvidia-smi-L-single--hami-lab7-k3s.txt", gpus: 1, migDevices: 0,
      firstName: "NVIDIA RTX PRO 6000 Blackwell Server Edition"),
    GPUList(
      file: "nvidia-smi-L-a6000--ai-factory-ops-lab-evidence.txt", gpus: 1, migDevices: 0,
      firstName: "NVIDIA RTX A6000"),
    GPUList(
      file: "nvidia-smi-L-mig-enabled-7x1g--datadog-agent-pr-33120.txt", gpus: 1, migDevices: 7,
      firstName: "NVIDIA A100-SXM4-80GB"),
    GPUList(
      file: "nvidia-smi-L-multigpu-mixed-mig--telegraf-issue-5812.txt", gpus: 4, migDevices: 4,
      firstName: "NVIDIA A100-SXM4-80GB"),
  ])
  func physicalGPUsAreCountedWithoutMIGDevices(_ expected: GPUList) throws {
    let list = try #require(NvidiaSMIList(lines: Self.lines(expected.file)))
    #expect(list.gpus.count == expected.gpus)
    #expect(list.migDevices.count == expected.migDevices)
    #expect(list.gpus.first?.name == expected.firstName)
  }

  struct Table: Sendable, CustomTestStringConvertible {
    var file: String
    var driver: String
    var cuda: String
    var totals: [Int]
    var mig: String?
    var testDescription: String { file }
  }

  @Test(arguments: [
    Table(
      file: "host-nvidia-smi-535-a6000-trailing-ws--ai-factory-ops-lab-evidence.txt", driver: "535.183.06",
      cuda: "12.2", totals: [49140], mig: "N/A"),
    Table(
      file: "host-nvidia-smi-kmd-610-multigpu-b200-partial--sglang-issue-27487.txt", driver: "610.43.02",
      cuda: "13.3", totals: [183359, 183359], mig: "Disabled"),
    Table(
      file: "host-nvidia-smi-kmd-610-geforce-partial--finpilot-issue-160.txt", driver: "610.43.03",
      cuda: "13.3",
      totals: [16384], mig: "N/A"),
    Table(
      file: "host-nvidia-smi-580-plus-separator-multigpu-eprocess-partial--bottlerocket-pr-834.txt",
      driver: "580.126.09", cuda: "13.0", totals: [40960, 40960], mig: "Disabled"),
    Table(
      file: "host-nvidia-smi-535-mig-enabled-a800-partial--nvidia-gpu-exporter-issue-203.txt",
      driver: "535.86.10",
      cuda: "12.2", totals: [81920], mig: "Enabled"),
    Table(
      file: "inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt", driver: "610.43.02", cuda: "13.3",
      totals: [8000],
      mig: "Disabled"),
    Table(
      file: "inpod-nvidia-smi-no-mig-rows-4000m--hami-lab3-partitioning.txt", driver: "570.124.06",
      cuda: "12.8",
      totals: [4000], mig: nil),
    Table(
      file: "inpod-nvidia-smi-hamicore-msg-exit-handler-10240m--hami-docs-nginx-example-2024.txt",
      driver: "550.54.15", cuda: "12.4", totals: [10240], mig: "N/A"),
  ])
  func nvidiaSMITablesOfEveryGeneration(_ expected: Table) throws {
    let table = try #require(NvidiaSMITable(lines: Self.lines(expected.file)))
    #expect(table.driverVersion == expected.driver)
    #expect(table.cudaVersion == expected.cuda)
    #expect(table.gpus.compactMap(\.memoryTotalMiB) == expected.totals)
    #expect(table.gpus.first?.migMode == expected.mig)
  }

  /// HAMi-core Info lines inside the table (HAMi #332) are not table rows.
  @Test func hamiCoreLinesInsideATableAreIgnored() throws {
    let lines = try Self.lines(
      "inpod-nvidia-smi-hamicore-info-lines-inside-table-partial--hami-issue-332.txt")
    let table = try #require(NvidiaSMITable(lines: lines))
    #expect(table.driverVersion == "550.78")
    #expect(table.gpus.isEmpty)
    #expect(HAMiCoreLog.strippingMessages(lines).allSatisfy { !$0.contains("HAMI-core") })
  }

  @Test(arguments: [
    ("inpod-nvml-unknown-error-4pdvgpu-warn--hami-issue-248.txt", "Failed to initialize NVML: Unknown Error"),
    ("inpod-nvidia-smi-hang-initializing-only--volcano-vgpu-issue-57.txt", "Initializing....."),
    ("kubectl-exec-nvidia-smi-oci-exec-failed--kubeflow-issue-7045.txt", "OCI runtime exec failed"),
    (
      "kubectl-exec-nvidia-smi-not-found-exit-137-interactive--k8s-device-plugin-issue-1149.txt",
      "nvidia-smi: command not found; command terminated with exit code 137"
    ),
  ])
  func failedNvidiaSMIIsNamedNotReadAsAView(file: String, words: String) throws {
    let lines = try Self.lines(file)
    #expect(NvidiaSMITable(lines: lines)?.gpus.isEmpty ?? true)
    let failure = try #require(NvidiaSMITable.failure(in: lines))
    #expect(failure.contains(words), "\(failure)")
  }

  @Test func aHealthyTableIsNoFailure() throws {
    #expect(
      NvidiaSMITable.failure(in: try Self.lines("inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt")) == nil)
  }

  struct OOM: Sendable, CustomTestStringConvertible {
    var file: String
    var requested: UInt64
    var limit: UInt64
    var underflowed: Bool
    var testDescription: String { file }
  }

  @Test(arguments: [
    OOM(
      file: "hamicore-oom-underflow-alloc53--hami-issue-1181.txt", requested: 18_446_744_073_707_737_660,
      limit: 24_146_608_128, underflowed: true),
    OOM(
      file: "hamicore-oom-underflow-gpuburn-alloc53-memoryc-msg--hami-core-pr-100.txt",
      requested: 18_446_744_073_604_695_040, limit: 5_368_709_120, underflowed: true),
    OOM(
      file: "hamicore-oom-alloc53-sd21--hami-issue-1003.txt", requested: 27_147_995_136,
      limit: 25_757_220_864,
      underflowed: false),
    OOM(
      file: "hamicore-oom-thread-elided-pytorch--hami-lab3-partitioning.txt", requested: 4_399_824_896,
      limit: 4_194_304_000, underflowed: false),
    OOM(
      file: "probe-oom-after-refusal-line--hami-lab7-k3s.txt", requested: 8_629_780_480, limit: 8_388_608_000,
      underflowed: false),
  ])
  func oomLinesOfEveryAllocatorLineAndThreadIdParse(_ expected: OOM) throws {
    let oom = try #require(HAMiCoreLog.oomLines(in: Self.lines(expected.file)).first)
    #expect(oom.requestedBytes == expected.requested)
    #expect(oom.limitBytes == expected.limit)
    #expect(oom.usageUnderflowed == expected.underflowed)
    #expect(oom.showsRefusal == !expected.underflowed)
  }

  /// The KAI blog quotes the OOM numbers without HAMi-core's prefix: prose, not a capture.
  @Test func bareOOMTextIsNotAHAMiCoreLine() throws {
    #expect(
      HAMiCoreLog.oomLines(in: try Self.lines("hamicore-oom-bare-no-prefix-kai--hami-blog-kai-hamicore.txt"))
        .isEmpty)
  }

  @Test func allocatorErrorWithoutALimitIsKnownAsSuch() throws {
    let lines = try Self.lines("hamicore-cumemoryallocate-failed-alloc115--hami-issue-585.txt")
    #expect(HAMiCoreLog.oomLines(in: lines).isEmpty)
    #expect(HAMiCoreLog.allocatorErrorsWithoutLimit(in: lines).count == 1)
  }

  @Test func lab7ProbePrintsTheRefusalBeforeTheOOMLine() throws {
    let probe = try #require(
      ProbeOutput(lines: Self.lines("probe-oom-after-refusal-line--hami-lab7-k3s.txt")))
    #expect(probe.refusedAfterMiB == 7424)
  }

  @Test(arguments: [
    (
      "hami-pods-grep-noheader--hami-lab7-k3s.txt",
      ["hami-device-plugin-62ck6", "hami-scheduler-5f5b5589c9-zhgsc"]
    ),
    (
      "hami-pods-grep-scheduler-only--hami-lab1-online-install.txt",
      ["hami-scheduler-6d659887fc-j5ngc", "hami-device-plugin-bbrjj", "hami-scheduler-6d659887fc-j5ngc"]
    ),
    ("pods-wide-coresidency--hami-lab7-k3s.txt", ["hami-share-a", "hami-share-b"]),
    ("pods-wide-two-pods-calico--hami-lab3-partitioning.txt", ["gpumem-pod-a", "gpumem-pod-b"]),
    ("pods-no-wide--hami-lab3-partitioning.txt", ["gpumem-pod-a", "gpumem-pod-b"]),
  ])
  func podListingsWithAndWithoutHeader(file: String, names: [String]) throws {
    let rows = KubectlTable.podRows(in: try Self.lines(file))
    #expect(rows.compactMap { $0["NAME"] } == names)
    #expect(rows.allSatisfy { $0["STATUS"] == "Running" })
  }

  @Test func coResidencyRowsCarryTheNode() throws {
    let lines = try Self.lines("pods-wide-coresidency--hami-lab7-k3s.txt")
    #expect(KubectlTable.row(named: "hami-share-b", in: lines)?["NODE"] == "hami-lab-rtx6000")
    let headerless = Array(lines.dropFirst())
    #expect(KubectlTable.row(named: "hami-share-b", in: headerless)?["NODE"] == "hami-lab-rtx6000")
  }

  @Test(arguments: [
    (
      "k8s-nodes-wide-k3s136--hami-lab7-k3s.txt", "hami-lab-rtx6000", "v1.36.2+k3s1",
      "containerd://2.3.2-k3s2"
    ),
    (
      "k8s-nodes-wide-k3s135-noheader-cmd--ai-factory-ops-lab-evidence.txt", "ambitious-hawking",
      "v1.35.5+k3s1",
      "containerd://2.2.3-k3s1"
    ),
  ])
  func nodeListingsWithAndWithoutHeader(file: String, name: String, version: String, runtime: String) throws {
    let lines = try Self.lines(file)
    for variant in [lines, lines.filter { !$0.hasPrefix("NAME ") }] {
      let row = try #require(KubectlTable.nodeRows(in: variant).first)
      #expect(row["NAME"] == name)
      #expect(row["VERSION"] == version)
      #expect(row["CONTAINER-RUNTIME"] == runtime)
    }
  }

  struct Events: Sendable, CustomTestStringConvertible {
    var file: String
    var reasons: [String]
    var ages: [String]
    var testDescription: String { file }
  }

  @Test(arguments: [
    Events(
      file: "oversubscribe-pending-events-nodeunfitpod--hami-lab7-k3s.txt",
      reasons: ["FailedScheduling", "FilteringFailed"], ages: ["15s", "16s (x2 over 16s)"]),
    Events(
      file: "events-no-dashes-nodes-available-no-are--hami-docs-scheduler-event-log.txt",
      reasons: ["FailedScheduling", "FilteringFailed"], ages: ["10s", "11s"]),
    Events(
      file: "events-failedscheduling-x225-over-5h26m--k8s-issue-91340.txt", reasons: ["FailedScheduling"],
      ages: ["95s (x225 over 5h26m)"]),
    Events(
      file: "events-failedscheduling-mixed-reasons-nodeunfitpod-unregistered--hami-issue-1527.txt",
      reasons: ["FailedScheduling", "FilteringFailed"], ages: ["67s", "67s"]),
    Events(
      file: "events-tail-filteringsucceed--hami-lab3-partitioning.txt",
      reasons: ["FilteringSucceed", "BindingSucceed", "Pulling"], ages: ["96s", "96s", "95s"]),
    Events(
      file: "events-filteringsucceed-scheduled--hami-lab7-k3s.txt",
      reasons: ["Scheduled", "FilteringSucceed", "BindingSucceed"], ages: ["52s", "53s", "52s"]),
  ])
  func eventRowsWithAndWithoutHeaderOrIndent(_ expected: Events) throws {
    let events = try #require(KubeEvents(lines: Self.lines(expected.file)))
    #expect(events.events.map(\.reason) == expected.reasons)
    #expect(events.events.map(\.age) == expected.ages)
    #expect(events.events.allSatisfy { !$0.message.isEmpty && !$0.from.isEmpty })
  }

  @Test func lab7BudgetEventNamesCardInsufficientMemory() throws {
    let events = try #require(
      KubeEvents(lines: Self.lines("oversubscribe-pending-events-nodeunfitpod--hami-lab7-k3s.txt")))
    let budget = events.matching(reason: "FilteringFailed", messageContains: "CardInsufficientMemory")
    #expect(budget.map(\.message) == ["1 nodes CardInsufficientMemory(hami-lab-rtx6000)"])
    #expect(events.events.first?.message.hasSuffix("No preemption victims found for incoming pod.") == true)
  }

  struct Registration: Sendable, CustomTestStringConvertible {
    var file: String
    var devices: Int
    var devmem: Int
    var type: String
    var format: HAMiRegistration.Format
    var testDescription: String { file }
  }

  @Test(arguments: [
    Registration(
      file: "node-register-json-v290--hami-lab7-k3s.txt", devices: 1, devmem: 97887,
      type: "NVIDIA RTX PRO 6000 Blackwell Server Edition", format: .json),
    Registration(
      file: "node-register-json-pretty-nvidia-prefix--hami-lab1-online-install.txt", devices: 1,
      devmem: 15360,
      type: "NVIDIA-Tesla T4", format: .json),
    Registration(
      file: "describe-node-register-7field-oneline-partial--hami-issue-198.txt", devices: 1, devmem: 12288,
      type: "NVIDIA-NVIDIA GeForce GTX TITAN X", format: .legacy),
    Registration(
      file: "device-plugin-log-register-9field-mig-mode--hami-issue-1422.txt", devices: 8, devmem: 258787,
      type: "NVIDIA-NVIDIA H20-3e", format: .legacy),
  ])
  func registrationInEveryFormat(_ expected: Registration) throws {
    let registration = try #require(HAMiRegistration(lines: Self.lines(expected.file)))
    #expect(registration.devices.count == expected.devices)
    #expect(registration.devices.first?.devmem == expected.devmem)
    #expect(registration.devices.first?.type == expected.type)
    #expect(registration.format == expected.format)
    #expect(HAMiRegistration.modelName(expected.type).hasPrefix("NVIDIA-") == false)
  }

  @Test func allocatableIsReadFromTheJsonpathSection() throws {
    let artifact = try Self.artifact("node-register-json-v290--hami-lab7-k3s.txt")
    let sections = artifact.sections.map { (command: $0.command, lines: $0.lines) }
    #expect(ShellOutputs.allocatableGPUs(in: sections)?.count == 10)
  }

  /// A bare `1` (a GPU Operator node: the card count) is read as allocatable only with the
  /// command that asked for it.
  @Test func bareAllocatableNeedsItsCommand() throws {
    let artifact = try Self.artifact("node-allocatable-gpu-1-bare--ai-factory-ops-lab-evidence.txt")
    let bare = artifact.sections.map { (command: $0.command, lines: $0.lines) }
    #expect(ShellOutputs.allocatableGPUs(in: bare) == nil)
    let command = "kubectl get node x -o jsonpath='{.status.allocatable.nvidia\\.com/gpu}'"
    #expect(ShellOutputs.allocatableGPUs(in: [(command: command, lines: artifact.outputLines)])?.count == 1)
  }

  @Test func podAllocationsNameTheGPU() throws {
    let allocations = HAMiPodAllocation.allocations(
      in: try Self.artifact("pod-annotation-vgpu-devices-allocated--hami-lab3-partitioning.txt"))
    #expect(allocations.keys.sorted() == ["gpumem-pod-a", "gpumem-pod-b"])
    #expect(
      Set(allocations.values.flatMap(\.devices).map(\.uuid)) == ["GPU-859b872c-0ba2-97b0-10b4-8b7185c55039"])
    #expect(allocations["gpumem-pod-a"]?.devices.first?.memoryMiB == 4000)
    let yaml = try String(
      contentsOf: Fixtures.url("corpus/pod-annotations-multi-device-to-allocate-empty--hami-issue-1113.txt"),
      encoding: .utf8)
    let line = try #require(yaml.lines.first { $0.contains("vgpu-devices-allocated:") })
    let value = try #require(line.split(separator: ":", maxSplits: 1).last)
    let devices = try #require(HAMiPodAllocation.devices(in: String(value)))
    #expect(devices.map(\.uuid).count == 2)
    #expect(devices.map(\.cores) == [30, 30])
  }

  @Test func mechanismInOneSection() throws {
    let artifact = try Self.artifact("mechanism-env-preload-ls--hami-lab7-k3s.txt")
    let env = ShellOutputs.environment(in: artifact.outputLines)
    #expect(env["CUDA_DEVICE_MEMORY_LIMIT_0"] == "8000m")
    #expect(env["CUDA_DEVICE_SM_LIMIT"] == "0")
    let sections = artifact.sections.map { (command: $0.command, lines: $0.lines) }
    #expect(ShellOutputs.preloadedLibraries(in: sections) == ["/usr/local/vgpu/libvgpu.so"])
  }

  @Test func environmentGreps() throws {
    let lab3 = ShellOutputs.environment(in: try Self.lines("env-sm-limit-30--hami-lab3-partitioning.txt"))
    #expect(lab3["CUDA_DEVICE_MEMORY_LIMIT_0"].flatMap(ShellOutputs.memoryLimitMiB) == 4000)
    #expect(lab3["CUDA_DEVICE_SM_LIMIT"] == "30")
    let kai = try Self.lines("env-kai-unsuffixed-limit-preload-query-noheader--hami-blog-kai-hamicore.txt")
    #expect(ShellOutputs.memoryLimitMiB("4147m") == 4147)
    #expect(kai.contains("/usr/local/vgpu/libvgpu.so"))
  }

  @Test func defaultRuntimeWithoutIndent() throws {
    let lines = try Self.lines("containerd-default-runtime-noindent--hami-lab7-k3s.txt")
    #expect(ShellOutputs.defaultRuntime(in: lines)?.name == "nvidia")
    #expect(ShellOutputs.containerdConfigVersion(in: lines) == nil)
  }

  /// One field, no `--format=csv` (header without units), and an author's `...` elision.
  @Test func queryWithOneFieldAndNoFormat() throws {
    let query = try #require(
      NvidiaSMIQuery(artifact: Self.artifact("nvidia-smi-query-mig-mode-na-and-disabled--nvtop-pr-470.txt")))
    #expect(query.rows.map { $0["mig.mode.current"] } == ["[N/A]"])
  }

  /// `--format=csv,noheader` keys come from the command.
  @Test func queryWithoutHeaderReadsTheCommandsFields() throws {
    let artifact = Artifact(
      name: "0-host-gpu.txt",
      data: Data(
        """
        $ nvidia-smi --query-gpu=name,uuid,memory.total,driver_version --format=csv,noheader

        NVIDIA RTX A6000, GPU-f4591c93-8109-e804-f47f-35acdb86acae, 49140 MiB, 535.183.06

        """.utf8))
    let query = try #require(NvidiaSMIQuery(artifact: artifact))
    #expect(query.rows.first?["memory.total"] == "49140 MiB")
    #expect(query.rows.first?["driver_version"] == "535.183.06")
  }

  @Test func helmListWithSpacesAndOtherReleases() throws {
    let rows = KubectlTable.tables(
      in: try Self.lines("helm-list-all-updated-cst-spaces--hami-lab2-local-fake-gpu-zh.txt")
    ).flatMap(\.rows)
    #expect(rows.compactMap { $0["NAME"] } == ["gpu-operator", "hami"])
  }
}
