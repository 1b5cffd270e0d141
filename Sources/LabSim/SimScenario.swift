/// A failure mode the simulated host reproduces (`--param sim_scenario=NAME`).
public enum SimScenario: String, Sendable, Hashable, Codable, CaseIterable {
  /// A healthy host.
  case none
  /// k3s's default runtime left as runc: no HAMi-core in pods, the full card visible.
  case runtimeRunc = "runtime-runc"
  /// HAMi-core virtualizes nvidia-smi but does not cap allocations.
  case viewOnly = "view-only"
  /// The scheduler lets the oversubscribe pod run.
  case oversubscribeScheduled = "oversubscribe-scheduled"
  /// An NVIDIA GPU Operator already runs on the host.
  case gpuOperatorPresent = "gpu-operator-present"
  /// An NVIDIA device plugin (not HAMi's) already runs on the host.
  case devicePluginPresent = "device-plugin-present"
  /// The first k3s install fails (a download error); the second succeeds.
  case k3sInstallFailsOnce = "k3s-install-fails-once"
  /// The first HAMi install times out and leaves a failed release behind.
  case hamiReleaseStuck = "hami-release-stuck"
  /// Removing the `gpu` label does not stick: `down` must find it and fail.
  case labelSticks = "label-sticks"
  /// `nvidia-smi` cannot talk to the driver.
  case driverBroken = "driver-broken"
  /// MIG mode is enabled on the card.
  case migEnabled = "mig-enabled"
  /// `sudo -n` asks for a password.
  case sudoPassword = "sudo-password"
  /// The distribution is not apt-based.
  case notApt = "not-apt"
  /// Less free disk than the lab needs.
  case diskShort = "disk-short"
  /// HAMi-core caps memory and confirms the core limit, but its limiter does not throttle
  /// (hami-core-isolation: exercises 6 and 7 FAIL).
  case coreLimitIgnored = "core-limit-ignored"
  /// Every HAMi-core cache file is found already created by a process with no core limit:
  /// HAMi-core reads limit 100 and logs `SM limit inconsistency` (hami-core-isolation: exercises
  /// 6 and 7 INCONCLUSIVE, naming the cache).
  case staleCache = "stale-cache"
  /// HAMi-core cannot find the tenant's host pid (`host pid is error!`): its watcher never starts
  /// and nothing is throttled (hami-core-isolation: exercises 6 and 7 INCONCLUSIVE).
  case limiterNoPid = "limiter-no-pid"
  /// A process held to a core limit beside an unlimited one is not held to it at all, though
  /// HAMi-core confirms the limit (hami-core-isolation: exercise 7 FAILs, and 6 as by default).
  case noisyNeighbour = "noisy-neighbour"
  /// HAMi-core ignores CUDA_DEVICE_MEMORY_SHARED_CACHE: tenants side by side share one cache and
  /// all get the first one's limit (hami-core-isolation: exercise 4 FAILs, and 6 and 7 as by default).
  case sharedCache = "shared-cache"
  /// hami-core-isolation and mps-isolation: every compute limit holds exactly, on every card, and a
  /// victim keeps what its neighbour leaves, as no real card measured does (HAMi-core's limiter
  /// misses on the H100 and H200; beside an MPS neighbour held to 25 % a victim kept 0.48). For
  /// tests that need the compute exercises to pass (all PASS).
  case idealCompute = "ideal-compute"
  /// mps-isolation: the MPS control daemon exits at once (its log says why): the start step fails.
  case mpsNotStarted = "mps-not-started"
  /// mps-isolation: MPS ignores CUDA_MPS_PINNED_DEVICE_MEM_LIMIT (exercise 3 FAILs).
  case memLimitIgnored = "mem-limit-ignored"
  /// mps-isolation: clients see their CUDA_MPS_ACTIVE_THREAD_PERCENTAGE of the SMs but the server
  /// does not throttle them (exercise 6 FAILs).
  case threadLimitIgnored = "thread-limit-ignored"
  /// A fresh VM: unattended-upgrades holds apt's locks for a while after boot, then frees them.
  case aptLocked = "apt-locked"
  /// A provider image with Docker and the NVIDIA Container Toolkit installed before `up`.
  case preinstalledToolkit = "preinstalled-toolkit"
  /// The probe image cannot be pulled (Docker Hub's anonymous pull limit).
  case imagePullFails = "image-pull-fails"
  /// A driver older than the default probe image (CUDA 12.4) accepts.
  case oldDriver = "old-driver"
  /// A cluster whose server's 6443/tcp a firewall drops: an agent reaches neither the join
  /// endpoint nor `/cacerts` (connections time out).
  case agentCannotReachServer = "agent-cannot-reach-server"
  /// A cluster whose agents' 10250/tcp (the kubelet) a firewall drops: from the server, a
  /// connection to it times out, before and after the agent's k3s runs.
  case kubeletPortBlocked = "kubelet-port-blocked"
  /// The server's token was rotated after labrun read it: an agent presenting the old one is
  /// refused (`401 Unauthorized`) and never registers.
  case wrongToken = "wrong-token"
  /// HAMi's scheduler ignores `hami.io/node-scheduler-policy: spread`: pods land on one node as
  /// under binpack (exercise 8 FAILs).
  case spreadIgnored = "spread-ignored"
  /// An existing cluster (`--kubeconfig`) on which HAMi is not installed: `up` refuses.
  case hamiAbsent = "hami-absent"
}
