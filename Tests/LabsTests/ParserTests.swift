import Foundation
import TestSupport
import Testing

@testable import Labs

@Suite struct NvidiaSMIParserTests {
  @Test func hostTableFromRealH100() throws {
    let table = try #require(NvidiaSMITable(lines: Fixtures.lines("real-h100/nvidia-smi-host.txt")))
    #expect(table.driverVersion == "580.159.04")
    #expect(table.cudaVersion == "13.0")
    #expect(table.gpus.count == 1)
    #expect(table.gpus.first?.name == "NVIDIA H100 80GB HBM3")
    #expect(table.gpus.first?.memoryTotalMiB == 81559)
    #expect(table.gpus.first?.memoryUsedMiB == 0)
    #expect(table.gpus.first?.migMode == "Disabled")
  }

  @Test func inPodTableUnderHAMiCoreShowsTheSlice() throws {
    let table = try #require(
      NvidiaSMITable(lines: Fixtures.lines("real-h100/nvidia-smi-under-hamicore-8000m.txt")))
    #expect(table.gpus.first?.memoryTotalMiB == 8000)
    #expect(table.gpus.first?.memoryUsage == "0MiB / 8000MiB")
  }

  @Test func newerKMDAndUMDHeaderAndTruncatedName() throws {
    let text = """
      +-----------------------------------------------------------------------------------------+
      | NVIDIA-SMI 590.48.01              KMD Version: 590.48.01     CUDA UMD Version: 13.1     |
      +-----------------------------------------+------------------------+----------------------+
      | GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
      | Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
      |                                         |                        |               MIG M. |
      |=========================================+========================+======================|
      |   0  NVIDIA GeForce RTX 3090 ...    Off |   00000000:01:00.0 Off |                  N/A |
      |  0%   41C    P8             18W /  350W |      12MiB /  24576MiB |      0%      Default |
      |                                         |                        |                  N/A |
      +-----------------------------------------+------------------------+----------------------+
      """
    let table = try #require(NvidiaSMITable(lines: text.lines))
    #expect(table.driverVersion == "590.48.01")
    #expect(table.cudaVersion == "13.1")
    let gpu = try #require(table.gpus.first)
    #expect(gpu.nameIsTruncated)
    #expect(gpu.memoryTotalMiB == 24576)
    #expect(gpu.memoryUsedMiB == 12)
  }

  @Test func oldDriverGenerationRow() throws {
    let text = """
      +-----------------------------------------------------------------------------+
      | NVIDIA-SMI 470.182.03   Driver Version: 470.182.03   CUDA Version: 11.4     |
      |-------------------------------+----------------------+----------------------+
      | GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
      | Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
      |                               |                      |               MIG M. |
      |===============================+======================+======================|
      |   0  Tesla T4            On   | 00000000:00:1E.0 Off |                    0 |
      | N/A   32C    P8     9W /  70W |      0MiB / 15109MiB |      0%      Default |
      |                               |                      |                  N/A |
      +-------------------------------+----------------------+----------------------+
      """
    let table = try #require(NvidiaSMITable(lines: text.lines))
    #expect(table.driverVersion == "470.182.03")
    #expect(table.gpus.first?.name == "Tesla T4")
    #expect(table.gpus.first?.memoryTotalMiB == 15109)
    #expect(table.gpus.first?.migMode == "N/A")
  }

  @Test func queryCSVFromRealH100() throws {
    let query = try #require(NvidiaSMIQuery(lines: Fixtures.lines("real-h100/nvidia-smi-query-host.txt")))
    #expect(query.rows.count == 1)
    #expect(query.rows.first?["name"] == "NVIDIA H100 80GB HBM3")
    #expect(query.rows.first?["uuid"] == "GPU-dbf2f81e-5d9d-3a65-91b9-0918b5fb6fc2")
    #expect(NvidiaSMIQuery.mebibytes(query.rows.first?["memory.total"]) == 81559)
    #expect(query.rows.first?["driver_version"] == "580.159.04")
  }

  @Test func listWithMIGDevices() throws {
    let text = """
      GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5fd1b3c2-7a0e-11ee-b962-0242ac120002)
        MIG 1g.5gb      Device  0: (UUID: MIG-0c5e5b33-9c2f-5f0b-9a4e-1c2b3d4e5f60)
      GPU 1: NVIDIA RTX A6000 (UUID: GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552)
      """
    let list = try #require(NvidiaSMIList(lines: text.lines))
    #expect(list.gpus.map(\.index) == [0, 1])
    #expect(list.gpus[1].name == "NVIDIA RTX A6000")
    #expect(list.migDevices.count == 1)
  }
}

@Suite struct HAMiCoreParserTests {
  @Test func oomLineFromRealProbe() throws {
    let lines = try Fixtures.lines("real-h100/probe-under-hamicore-8000m.txt")
    let ooms = HAMiCoreLog.oomLines(in: lines)
    #expect(ooms.count == 1)
    #expect(ooms.first?.device == 0)
    #expect(ooms.first?.requestedBytes == 8_589_934_592)
    #expect(ooms.first?.limitBytes == 8_388_608_000)
    let probe = try #require(ProbeOutput(lines: lines))
    #expect(probe.refusedAfterMiB == 7680)
    #expect(probe.maxAllocatedMiB == 7680)
  }

  @Test func messagesInterleavedAnywhereAreIgnored() throws {
    let text = """
      allocated 256 MiB[HAMI-core Msg(97:139883541374976:memory.c:511)]: orig free=49140 total=49140
      [HAMI-core Msg(97:139883541374976:libvgpu.c:836)]: Initializing.....
      allocated 512 MiB
      [HAMI-core ERROR (pid:97 thread=139883541374976 allocator.c:52)]: Device 0 OOM 8594128896 / 8388608000
      cudaMalloc refused after 512 MiB allocated: out of memory
      """
    let stripped = HAMiCoreLog.strippingMessages(text.lines)
    #expect(stripped.first == "allocated 256 MiB")
    #expect(!stripped.contains { $0.contains("Initializing") })
    #expect(stripped.contains { $0.contains("HAMI-core ERROR") })
    let probe = try #require(ProbeOutput(lines: text.lines))
    #expect(probe.refusedAfterMiB == 512)
    #expect(HAMiCoreLog.oomLines(in: text.lines).first?.limitBytes == 8_388_608_000)
  }

  @Test func probeWithoutRefusal() throws {
    let probe = try #require(
      ProbeOutput(lines: ["allocated 11776 MiB", "allocated 12288 MiB", "no refusal up to 12288 MiB"]))
    #expect(probe.refusedAfterMiB == nil)
    #expect(probe.maxAllocatedMiB == 12288)
  }

  @Test(arguments: [
    ("8000m", 8000), ("8000M", 8000), ("8g", 8192), ("8388608000", 8000), ("8192000k", 8000),
  ])
  func memoryLimitValues(value: String, mebibytes: Int) {
    #expect(ShellOutputs.memoryLimitMiB(value) == mebibytes)
  }

  @Test func memoryLimitRejectsNonsense() {
    #expect(ShellOutputs.memoryLimitMiB("lots") == nil)
    #expect(ShellOutputs.memoryLimitMiB("") == nil)
  }
}

@Suite struct KubectlParserTests {
  @Test func podsWideWithRestartsThatHaveSpaces() throws {
    let text = """
      NAME           READY   STATUS    RESTARTS      AGE   IP           NODE               NOMINATED NODE   READINESS GATES
      hami-share-a   1/1     Running   1 (5m ago)    41s   10.42.0.12   optimistic-fermi   <none>           <none>
      hami-share-b   0/1     Pending   0             41s   <none>       <none>             <none>           <none>
      """
    let a = try #require(KubectlTable.row(named: "hami-share-a", in: text.lines))
    #expect(a["RESTARTS"] == "1 (5m ago)")
    #expect(a["NODE"] == "optimistic-fermi")
    #expect(a["NOMINATED NODE"] == "<none>")
    #expect(KubectlTable.row(named: "hami-share-b", in: text.lines)?["STATUS"] == "Pending")
  }

  @Test func misalignedRowsAreNotGuessed() {
    let text = """
      NAME           READY   STATUS    RESTARTS   AGE   IP           NODE               NOMINATED NODE   READINESS GATES
      hami-share-a 1/1 Running 0 41s 10.42.0.12 optimistic-fermi <none> <none> extra
      """
    #expect(KubectlTable.row(named: "hami-share-a", in: text.lines) == nil)
  }

  @Test func nodesWideWithOSImage() throws {
    let lines = try Fixtures.lines("bundles/a6000-validated/artifacts/0-k8s-nodes.txt")
    let row = try #require(KubectlTable.tables(in: lines).first?.rows.first)
    #expect(row["OS-IMAGE"] == "Ubuntu 22.04.4 LTS")
    #expect(row["VERSION"] == "v1.33.1+k3s1")
    #expect(row["CONTAINER-RUNTIME"] == "containerd://2.0.5-k3s1")
  }

  @Test func helmListTabSeparated() throws {
    let lines = try Fixtures.lines("bundles/a6000-validated/artifacts/0-helm-release.txt")
    let rows = KubectlTable.tables(in: lines).flatMap(\.rows)
    let hami = try #require(rows.first { $0["NAME"] == "hami" })
    #expect(hami["CHART"] == "hami-2.9.0")
    #expect(hami["APP VERSION"] == "2.9.0")
    #expect(hami["STATUS"] == "deployed")
    #expect(hami["UPDATED"] == "2026-06-23 10:22:41.402146783 +0000 UTC")
  }

  @Test(arguments: [
    // HAMi scheduler's own events.
    (
      "  Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  1 nodes CardInsufficientMemory(node-a)",
      true
    ),
    // kube-scheduler with the HAMi extender, several wordings.
    (
      "  Warning  FailedScheduling  12s                hami-scheduler  0/1 nodes are available: 1 CardInsufficientMemory.",
      true
    ),
    (
      "  Warning  FailedScheduling  3m1s (x3 over 13m)  hami-scheduler  0/1 nodes are available: 1 node(s) had untolerated taint. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
      false
    ),
    (
      "  Warning  FailedScheduling  <unknown>          default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
      false
    ),
  ])
  func describeEvents(row: String, showsBudget: Bool) throws {
    let text = """
      Events:
        Type     Reason            Age                From            Message
        ----     ------            ----               ----            -------
      \(row)
      """
    let events = try #require(KubeEvents(lines: text.lines))
    #expect(events.events.count == 1)
    #expect(
      !events.matching(reason: "FilteringFailed", messageContains: "CardInsufficientMemory").isEmpty
        == showsBudget)
  }

  @Test func eventAgeWithRepeatCountStaysWhole() throws {
    let lines = try Fixtures.lines("bundles/a6000-validated/artifacts/4-oversubscribe-events.txt")
    let events = try #require(KubeEvents(lines: lines))
    #expect(events.events.count == 3)
    #expect(events.events.first?.age == "16s (x2 over 16s)")
    #expect(events.events.first?.from == "hami-scheduler")
    #expect(events.events[1].message == "1 nodes CardInsufficientMemory(optimistic-fermi)")
  }

  @Test func getEventsTable() throws {
    let text = """
      LAST SEEN   TYPE      REASON            OBJECT                   MESSAGE
      16s         Warning   FilteringFailed   pod/hami-oversubscribe   no available node, 1 nodes do not meet
      """
    let events = try #require(KubeEvents(lines: text.lines))
    #expect(events.events.first?.reason == "FilteringFailed")
  }

  @Test func eventsNone() throws {
    let events = try #require(KubeEvents(lines: ["Events:                      <none>"]))
    #expect(events.saysNone)
    #expect(events.events.isEmpty)
  }
}

@Suite struct NodeAndContainerParserTests {
  @Test func registrationJSON() throws {
    let lines = try Fixtures.lines("bundles/a6000-validated/artifacts/node-allocatable.txt")
    let registration = try #require(HAMiRegistration(lines: lines))
    #expect(registration.format == .json)
    let device = try #require(registration.devices.first)
    #expect(device.devmem == 49140)
    #expect(device.count == 10)
    #expect(device.type == "NVIDIA RTX A6000")
    #expect(device.mode == "hami-core")
  }

  @Test func registrationLegacyCommaColonForm() throws {
    let line =
      "hami.io/node-nvidia-register: GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552,10,49140,100,NVIDIA-NVIDIA RTX A6000,0,true:"
    let registration = try #require(HAMiRegistration(lines: [line]))
    #expect(registration.format == .legacy)
    #expect(registration.devices.first?.devmem == 49140)
    #expect(registration.devices.first?.count == 10)
    #expect(registration.devices.first?.type == "NVIDIA-NVIDIA RTX A6000")
  }

  @Test func allocatableFromJSONAndBareNumber() {
    #expect(
      ShellOutputs.allocatableGPUs(in: [(command: "x", lines: [#"{"cpu":"16","nvidia.com/gpu":"10"}"#])])?
        .count == 10)
    #expect(
      ShellOutputs.allocatableGPUs(in: [
        (command: "kubectl get node n -o jsonpath='{.status.allocatable}'", lines: ["10"])
      ])?
      .count == 10)
    #expect(ShellOutputs.allocatableGPUs(in: [(command: "echo", lines: ["10"])]) == nil)
  }

  @Test func containerdDefaultRuntime() {
    let lines = ["version = 3", "    default_runtime_name = \"nvidia\""]
    #expect(ShellOutputs.defaultRuntime(in: lines)?.name == "nvidia")
    #expect(ShellOutputs.containerdConfigVersion(in: lines) == 3)
  }

  @Test func environmentAndPreload() {
    let env = ShellOutputs.environment(in: ["CUDA_DEVICE_MEMORY_LIMIT_0=8000m", "not an env line", "A=b=c"])
    #expect(env["CUDA_DEVICE_MEMORY_LIMIT_0"] == "8000m")
    #expect(env["A"] == "b=c")
    let present = ShellOutputs.preloadedLibraries(in: [
      (command: "cat /etc/ld.so.preload", lines: ["/usr/local/vgpu/libvgpu.so"])
    ])
    #expect(present == ["/usr/local/vgpu/libvgpu.so"])
    let missing = ShellOutputs.preloadedLibraries(
      in: [(command: "cat /etc/ld.so.preload", lines: ["cat: /etc/ld.so.preload: No such file or directory"])]
    )
    #expect(missing == [])
    #expect(ShellOutputs.preloadedLibraries(in: [(command: "env", lines: [])]) == nil)
  }

  @Test(arguments: [
    ("hami-scheduler-78db5bffbc-hf2jf", "hami-scheduler"), ("hami-device-plugin-wtchf", "hami-device-plugin"),
    ("hami-share-a", "hami-share-a"),
  ])
  func workloadNames(pod: String, workload: String) {
    #expect(HAMiIsolationLab.workloadName(pod) == workload)
  }
}
