#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/bundles/ (the verifier's fixture bundles).

The outputs follow the real tools' formats (kubectl tabwriter tables, helm's tab-separated list,
nvidia-smi 535 tables, HAMi-core log lines); the H100 bundle embeds the real captures in
Fixtures/real-h100/; the hami-lab7-k3s* bundles are assembled from the real public outputs in
Fixtures/corpus/ (see corpus/README.md for each file's URL). After regenerating, refresh the golden pages:
  LABRUN_UPDATE_GOLDEN=1 swift test --filter ValidationPageTests
"""
import json, os, shutil, hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, 'bundles')
MARK = '# SIMULATED — not captured on hardware'

def table(header, rows):
    cols = list(zip(*([header] + rows)))
    widths = [max(len(c) for c in col) for col in cols]
    out = []
    for r in [header] + rows:
        cells = [c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append(''.join(cells))
    return '\n'.join(out)

def section(cmd, out):
    return '$ ' + cmd + '\n\n' + out.rstrip('\n') + '\n'

def art(*sections):
    return '\n'.join(sections)

POD_HDR = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']

def smi_535(used, total, name='NVIDIA RTX A6000', msgs=None, date='Tue Jun 23 10:16:02 2026'):
    mem = f'{used:>5}MiB / {total:>5}MiB'.rjust(20)
    lines = [
        f'{date}       ',
        '+---------------------------------------------------------------------------------------+',
        '| NVIDIA-SMI 535.183.06             Driver Version: 535.183.06   CUDA Version: 12.4     |',
        '|-----------------------------------------+----------------------+----------------------+',
        '| GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |',
        '| Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |',
        '|                                         |                      |               MIG M. |',
        '|=========================================+======================+======================|',
        f'|   0  {name:<26}     On  | 00000000:00:05.0 Off |                  Off |',
        f'| 30%   33C    P8              22W / 300W | {mem} |      0%      Default |',
        '|                                         |                      |                  N/A |',
        '+-----------------------------------------+----------------------+----------------------+',
        '                                                                                         ',
        '+---------------------------------------------------------------------------------------+',
        '| Processes:                                                                            |',
        '|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |',
        '|        ID   ID                                                             Usage      |',
        '|=======================================================================================|',
        '|  No running processes found                                                           |',
        '+---------------------------------------------------------------------------------------+',
    ]
    if msgs:
        lines = [msgs[0]] + lines + msgs[1:]
    return '\n'.join(lines)

UUID = 'GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552'
NODE = 'optimistic-fermi'

def base_a6000():
    files = {}
    files['0-host-gpu.txt'] = art(
        section('nvidia-smi', smi_535(1, 49140)),
        section('nvidia-smi -L', f'GPU 0: NVIDIA RTX A6000 (UUID: {UUID})'),
        section('nvidia-smi --query-gpu=name,uuid,memory.total,driver_version,mig.mode.current --format=csv',
                'name, uuid, memory.total [MiB], driver_version, mig.mode.current\n'
                f'NVIDIA RTX A6000, {UUID}, 49140 MiB, 535.183.06, [N/A]'))
    files['0-os.txt'] = art(
        section('cat /etc/os-release', '''PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy'''),
        section('uname -r', '5.15.0-113-generic'))
    files['0-k8s-nodes.txt'] = section('kubectl get nodes -o wide', table(
        ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
        [[NODE, 'Ready', 'control-plane,master', '6m12s', 'v1.33.1+k3s1', '10.0.0.5', '<none>', 'Ubuntu 22.04.4 LTS', '5.15.0-113-generic', 'containerd://2.0.5-k3s1']]))
    files['0-default-runtime.txt'] = section(
        "sudo grep -E '^version|default_runtime_name' /var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        'version = 3\n  default_runtime_name = "nvidia"')
    helm = ('NAME       \tNAMESPACE  \tREVISION\tUPDATED                                \tSTATUS  \tCHART                  \tAPP VERSION\n'
            'hami       \tkube-system\t1       \t2026-06-23 10:22:41.402146783 +0000 UTC\tdeployed\thami-2.9.0             \t2.9.0      \n'
            'traefik    \tkube-system\t1       \t2026-06-23 10:18:05.118227934 +0000 UTC\tdeployed\ttraefik-34.2.1+up34.2.0\tv3.3.6     \n'
            'traefik-crd\tkube-system\t1       \t2026-06-23 10:18:01.889304512 +0000 UTC\tdeployed\ttraefik-crd-34.2.1+up34.2.0\tv3.3.6     ')
    files['0-helm-release.txt'] = section('helm -n kube-system list', helm)
    files['hami-pods.txt'] = section('kubectl -n kube-system get pods -l app.kubernetes.io/instance=hami -o wide', table(
        POD_HDR,
        [['hami-device-plugin-wtchf', '2/2', 'Running', '0', '3m2s', '10.0.0.5', NODE, '<none>', '<none>'],
         ['hami-scheduler-78db5bffbc-hf2jf', '2/2', 'Running', '0', '3m2s', '10.42.0.9', NODE, '<none>', '<none>']])) + '\n' + section(
        "kubectl -n kube-system get deploy hami-scheduler -o jsonpath='{range .spec.template.spec.containers[*]}{.image}{\"\\n\"}{end}'",
        'registry.k8s.io/kube-scheduler:v1.33.1\ndocker.io/projecthami/hami:v2.9.0')
    reg = [{"id": UUID, "index": 0, "count": 10, "devmem": 49140, "devcore": 100, "type": "NVIDIA RTX A6000",
            "numa": 0, "mode": "hami-core", "health": True, "devicepairscore": {}}]
    files['node-allocatable.txt'] = art(
        section(f"kubectl get node {NODE} -o jsonpath='{{.status.allocatable.nvidia\\.com/gpu}}'", '10'),
        section(f"kubectl get node {NODE} -o jsonpath='{{.metadata.annotations.hami\\.io/node-nvidia-register}}'",
                json.dumps(reg, separators=(',', ':'))))
    files['1-co-residency.txt'] = section('kubectl get pods -o wide', table(
        POD_HDR,
        [['hami-share-a', '1/1', 'Running', '0', '41s', '10.42.0.12', NODE, '<none>', '<none>'],
         ['hami-share-b', '1/1', 'Running', '0', '41s', '10.42.0.13', NODE, '<none>', '<none>']]))
    for pod, pid in (('a', 97), ('b', 131)):
        files[f'2-3-probe-memory-{pod}.txt'] = probe_file(pod, pid)
    files['4-oversubscribe-status.txt'] = section('kubectl get pod hami-oversubscribe -o wide', table(
        POD_HDR, [['hami-oversubscribe', '0/1', 'Pending', '0', '16s', '<none>', '<none>', '<none>', '<none>']]))
    files['4-oversubscribe-events.txt'] = section(
        "kubectl describe pod hami-oversubscribe | sed -n '/^Events:/,$p'", events_pending())
    files['5-probe-mechanism-a.txt'] = mechanism()
    return files

def events_pending():
    return '''Events:
  Type     Reason            Age                From            Message
  ----     ------            ----               ----            -------
  Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  no available node, 1 nodes do not meet
  Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  1 nodes CardInsufficientMemory(optimistic-fermi)
  Warning  FailedScheduling  16s (x2 over 16s)  hami-scheduler  0/1 nodes are available: 1 node unregistered. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.'''

def probe_lines(limit_total, refused, oom=None, pid=97, chunk=256, thread='139883541374976', hami=True, name='NVIDIA RTX A6000'):
    out = []
    if hami:
        out.append(f'[HAMI-core Msg({pid}:{thread}:libvgpu.c:836)]: Initializing.....')
    out.append(f'probe: device 0 {name}, cudaMemGetInfo free={limit_total} MiB total={limit_total} MiB')
    n = chunk
    while n <= refused:
        out.append(f'allocated {n} MiB')
        if hami and n == 2048:
            out.append(f'[HAMI-core Msg({pid}:{thread}:memory.c:511)]: orig free=49140 total=49140 limit=8388608000 usage=2147483648')
        n += chunk
    if oom:
        out.append(f'[HAMI-core ERROR (pid:{pid} thread={thread} allocator.c:52)]: Device 0 OOM {oom[0]} / {oom[1]}')
    out.append(f'cudaMalloc refused after {refused} MiB allocated: out of memory')
    if hami:
        out.append(f'[HAMI-core Msg({pid}:{thread}:multiprocess_memory_limit.c:497)]: Calling exit handler {pid}')
    return '\n'.join(out)

PROBE_CMD = "kubectl exec hami-share-{p} -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'"

def probe_file(pod, pid, used=0, total=8000, refused=7680, oom=(8594128896, 8388608000), hami=True):
    msgs = None
    if hami:
        msgs = [f'[HAMI-core Msg({pid - 45}:140234618070848:libvgpu.c:836)]: Initializing.....',
                f'[HAMI-core Msg({pid - 45}:140234618070848:multiprocess_memory_limit.c:497)]: Calling exit handler {pid - 45}']
    return art(
        section(f'kubectl exec hami-share-{pod} -- nvidia-smi', smi_535(used, total, msgs=msgs, date='Tue Jun 23 10:31:12 2026')),
        section(PROBE_CMD.format(p=pod), probe_lines(total, refused, oom, pid=pid, hami=hami)))

def mechanism(limit='8000m', preload='/usr/local/vgpu/libvgpu.so', hami=True):
    env = ['PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
           'HOSTNAME=hami-share-a',
           'NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471',
           f'NVIDIA_VISIBLE_DEVICES={UUID}']
    if hami:
        env += ([f'CUDA_DEVICE_MEMORY_LIMIT_0={limit}'] if limit else []) + [
            'CUDA_DEVICE_SM_LIMIT=0',
            'CUDA_DEVICE_MEMORY_SHARED_CACHE=/usr/local/vgpu/0b2c1e6a-3f55-4a8e-9d0e-7f3b5c2a1d44.cache']
    env += ['NVIDIA_DRIVER_CAPABILITIES=compute,utility', 'CUDA_VERSION=12.4.1',
            'LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64',
            'KUBERNETES_SERVICE_HOST=10.43.0.1', 'KUBERNETES_SERVICE_PORT=443', 'HOME=/root']
    secs = [section('kubectl exec hami-share-a -- env', '\n'.join(env))]
    secs.append(section('kubectl exec hami-share-a -- cat /etc/ld.so.preload',
                        preload if preload else 'cat: /etc/ld.so.preload: No such file or directory\ncommand terminated with exit code 1'))
    if hami:
        ls = '''total 2084
-rw-r--r-- 1 root root      27 Jun 23 10:30 ld.so.preload
-rwxr-xr-x 1 root root 2126848 Jun 23 10:30 libvgpu.so'''
    else:
        ls = "ls: cannot access '/usr/local/vgpu/': No such file or directory\ncommand terminated with exit code 2"
    secs.append(section('kubectl exec hami-share-a -- ls -l /usr/local/vgpu/', ls))
    return art(*secs)

def run_json(kind='ssh', slice_mib=8000, over=45000, name=NODE, extra=None, card='a6000'):
    r = {"schema": "labrun.run/v1", "run_id": f"20260623T101500Z-{name}", "lab": "hami-isolation-realgpu",
         "target": {"name": name, "kind": kind, "address": "203.0.113.7", "user": "ubuntu",
                    "host_key": "SHA256:Vq3mN1Y0cE8mF2xq7h0s9k6J3w4pQx2rT5uYbZl8aKc"},
         "started_at": "2026-06-23T10:15:00Z", "finished_at": "2026-06-23T10:41:07Z", "labrun_version": "0.1.0",
         "parameters": {"hami_version": "2.9.0", "k3s_version": "v1.33.1+k3s1", "slice_mib": slice_mib,
                        "oversubscribe_mib": over, "share_pods": ["hami-share-a", "hami-share-b"],
                        "provider": "Hyperstack", "probe_image": "nvidia/cuda:12.4.1-devel-ubuntu22.04"}}
    if kind == 'simulated':
        r['target'] = {"name": "sim", "kind": "simulated"}
        r['run_id'] = '20260623T101500Z-sim'
    if extra: r.update(extra)
    return json.dumps(r, indent=2) + '\n'

def write(name, files, runjson, sums=False):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, 'artifacts'))
    open(os.path.join(d, 'run.json'), 'w').write(runjson)
    for f, c in files.items():
        open(os.path.join(d, 'artifacts', f), 'w').write(c if c.endswith('\n') else c + '\n')
    if sums:
        # `../run.json` first (names sorted as sha256sum lists them), so `cd artifacts &&
        # sha256sum -c SHA256SUMS` also checks run.json.
        lines = []
        for f in sorted(['../run.json'] + list(files)):
            h = hashlib.sha256(open(os.path.join(d, 'artifacts', f), 'rb').read()).hexdigest()
            lines.append(f'{h}  {f}\n')
        open(os.path.join(d, 'artifacts', 'SHA256SUMS'), 'w').write(''.join(lines))

# 1. the example page's run
write('a6000-validated', base_a6000(), run_json(), sums=True)

# 2. default runtime left as runc
f = base_a6000()
f['0-default-runtime.txt'] = section(
    "sudo grep -E '^version|default_runtime_name' /var/lib/rancher/k3s/agent/etc/containerd/config.toml",
    'version = 3\n  default_runtime_name = "runc"')
for pod, pid in (('a', 97), ('b', 131)):
    f[f'2-3-probe-memory-{pod}.txt'] = probe_file(pod, pid, used=0, total=49140, refused=48896, oom=None, hami=False)
f['5-probe-mechanism-a.txt'] = mechanism(hami=False, preload=None)
write('runc-default-runtime', f, run_json())

# 3. view virtualized, no cap (HAMi-core built with hidden symbols)
f = base_a6000()
for pod, pid in (('a', 97), ('b', 131)):
    art_ = art(
        section(f'kubectl exec hami-share-{pod} -- nvidia-smi', smi_535(0, 8000, msgs=[
            f'[HAMI-core Msg({pid-45}:140234618070848:libvgpu.c:836)]: Initializing.....',
            f'[HAMI-core Msg({pid-45}:140234618070848:multiprocess_memory_limit.c:497)]: Calling exit handler {pid-45}'],
            date='Tue Jun 23 10:31:12 2026')),
        section(PROBE_CMD.format(p=pod), probe_lines(8000, 48896, None, pid=pid, hami=True).replace(
            '[HAMI-core Msg', '[HAMI-core Msg', 1)))
    f[f'2-3-probe-memory-{pod}.txt'] = art_
write('view-virtualized-no-cap', f, run_json())

# 4. oversubscribe pod Running
f = base_a6000()
f['4-oversubscribe-status.txt'] = section('kubectl get pod hami-oversubscribe -o wide', table(
    POD_HDR, [['hami-oversubscribe', '1/1', 'Running', '0', '16s', '10.42.0.14', NODE, '<none>', '<none>']]))
f['4-oversubscribe-events.txt'] = section("kubectl describe pod hami-oversubscribe | sed -n '/^Events:/,$p'", '''Events:
  Type    Reason     Age   From            Message
  ----    ------     ----  ----            -------
  Normal  Scheduled  16s   hami-scheduler  Successfully assigned default/hami-oversubscribe to optimistic-fermi
  Normal  Pulled     15s   kubelet         Container image "nvidia/cuda:12.4.1-devel-ubuntu22.04" already present on machine
  Normal  Created    15s   kubelet         Created container: cuda
  Normal  Started    15s   kubelet         Started container cuda''')
write('oversubscribe-running', f, run_json())

# 5. share pod b's probe missing
f = base_a6000()
del f['2-3-probe-memory-b.txt']
write('probe-b-missing', f, run_json())

# 6. slice does not match run.json (pods got 4000 MiB)
f = base_a6000()
for pod, pid in (('a', 97), ('b', 131)):
    f[f'2-3-probe-memory-{pod}.txt'] = probe_file(pod, pid, total=4000, refused=3584, oom=(4400873472, 4194304000))
f['5-probe-mechanism-a.txt'] = mechanism(limit='4000m')
write('slice-mismatch', f, run_json(slice_mib=8000))

# 7. simulated run
f = base_a6000()
f = {k: MARK + '\n' + v for k, v in f.items()}
write('simulated', f, run_json(kind='simulated'))


REF = os.path.join(HERE, 'real-h100')
def ref(n): return open(os.path.join(REF, n)).read().rstrip('\n')
H_UUID = 'GPU-dbf2f81e-5d9d-3a65-91b9-0918b5fb6fc2'
H_NODE = 'h100-lab'
NODE_SAVED = NODE
NODE = H_NODE
f = base_a6000()
NODE = NODE_SAVED
f['0-host-gpu.txt'] = art(
    section('nvidia-smi', ref('nvidia-smi-host.txt')),
    section('nvidia-smi -L', f'GPU 0: NVIDIA H100 80GB HBM3 (UUID: {H_UUID})'),
    section('nvidia-smi --query-gpu=name,uuid,memory.total,memory.used,driver_version --format=csv', ref('nvidia-smi-query-host.txt')))
f['4-oversubscribe-events.txt'] = f['4-oversubscribe-events.txt'].replace('optimistic-fermi', H_NODE)
reg = [{"id": H_UUID, "index": 0, "count": 10, "devmem": 81559, "devcore": 100, "type": "NVIDIA H100 80GB HBM3",
        "numa": 0, "mode": "hami-core", "health": True, "devicepairscore": {}}]
f['node-allocatable.txt'] = art(
    section(f"kubectl get node {H_NODE} -o jsonpath='{{.status.allocatable}}'",
            '{"cpu":"26","ephemeral-storage":"486903716557","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"231289316Ki","nvidia.com/gpu":"10","pods":"110"}'),
    section(f"kubectl describe node {H_NODE} | grep node-nvidia-register",
            '                    hami.io/node-nvidia-register: ' + json.dumps(reg, separators=(',', ':'))))
for pod in ('a', 'b'):
    f[f'2-3-probe-memory-{pod}.txt'] = art(
        section(f'kubectl exec hami-share-{pod} -- nvidia-smi', ref('nvidia-smi-under-hamicore-8000m.txt')),
        section(f'kubectl exec hami-share-{pod} -- python3 /probe/probe_driver_api.py', ref('probe-under-hamicore-8000m.txt')))
f['5-probe-mechanism-a.txt'] = f['5-probe-mechanism-a.txt'].replace(UUID, H_UUID)
rj = json.loads(run_json(over=72000, name=H_NODE))
rj['started_at'] = '2026-11-24T15:10:00Z'; rj['finished_at'] = '2026-11-24T15:40:00Z'
rj['run_id'] = '20261124T151000Z-h100-lab'
del rj['parameters']['provider']
write('h100-validated', f, json.dumps(rj, indent=2) + '\n')


# 9. HAMi's Lab 7 (a real public run of this very lab: HAMi 2.9.0, k3s v1.36.2, driver 610.43.02,
# RTX PRO 6000 Blackwell), assembled byte for byte from Fixtures/corpus/*--hami-lab7-k3s.txt.
# The page shows pod a's in-pod nvidia-smi and probe and says pod b "behaves identically", so
# pod b's file repeats pod a's output under pod b's commands. The probe ran as a heredoc; its
# `$` line here is labrun's own probe command (the same 256 MiB cudaMalloc loop).
CORPUS = os.path.join(HERE, 'corpus')
def corpus(n): return open(os.path.join(CORPUS, n)).read()
L7_NODE = 'hami-lab-rtx6000'
L7_PROBE_CMD = "kubectl exec hami-share-{p} -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'"

def lab7_probe(pod, smi=None, probe=None):
    smi = smi if smi is not None else corpus('inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt')
    probe = probe if probe is not None else corpus('probe-oom-after-refusal-line--hami-lab7-k3s.txt')
    smi = smi.replace('kubectl exec hami-share-a --', f'kubectl exec hami-share-{pod} --')
    return smi + '\n' + section(L7_PROBE_CMD.format(p=pod), probe)

def lab7():
    over = corpus('oversubscribe-pending-events-nodeunfitpod--hami-lab7-k3s.txt')
    status, events = over.split('\n\n$ ', 1)
    return {
        '0-host-gpu.txt': corpus('nvidia-smi-L-single--hami-lab7-k3s.txt'),
        '0-k8s-nodes.txt': corpus('k8s-nodes-wide-k3s136--hami-lab7-k3s.txt'),
        '0-default-runtime.txt': corpus('containerd-default-runtime-noindent--hami-lab7-k3s.txt'),
        'hami-pods.txt': corpus('hami-pods-grep-noheader--hami-lab7-k3s.txt'),
        'node-allocatable.txt': corpus('node-register-json-v290--hami-lab7-k3s.txt'),
        '1-co-residency.txt': corpus('pods-wide-coresidency--hami-lab7-k3s.txt'),
        '2-3-probe-memory-a.txt': lab7_probe('a'),
        '2-3-probe-memory-b.txt': lab7_probe('b'),
        '4-oversubscribe-status.txt': status + '\n',
        '4-oversubscribe-events.txt': '$ ' + events,
        '5-probe-mechanism-a.txt': corpus('mechanism-env-preload-ls--hami-lab7-k3s.txt'),
    }

def lab7_run_json():
    r = {"schema": "labrun.run/v1", "run_id": f"20260707T101500Z-{L7_NODE}", "lab": "hami-isolation-realgpu",
         "target": {"name": L7_NODE, "kind": "ssh", "address": "10.128.0.2", "user": "ubuntu"},
         "started_at": "2026-07-07T10:15:00Z", "finished_at": "2026-07-07T10:41:00Z", "labrun_version": "0.1.0",
         "parameters": {"hami_version": "2.9.0", "k3s_version": "v1.36.2+k3s1", "slice_mib": 8000,
                        "oversubscribe_mib": 90000, "share_pods": ["hami-share-a", "hami-share-b"],
                        "provider": "GCP", "probe_image": "nvidia/cuda:12.4.1-devel-ubuntu22.04"}}
    return json.dumps(r, indent=2) + '\n'

write('hami-lab7-k3s', lab7(), lab7_run_json(), sums=True)

# 10. Lab 7's shape (host evidence only `nvidia-smi -L`), HAMi-core virtualising the view but not
# capping: the probe is refused only near the card's physical 97887 MiB, with no HAMi-core line.
f = lab7()
for pod in ('a', 'b'):
    f[f'2-3-probe-memory-{pod}.txt'] = lab7_probe(
        pod, probe='cudaMalloc refused after 97280 MiB allocated: out of memory\n')
write('hami-lab7-no-cap', f, lab7_run_json(), sums=True)

# 11. Lab 7's shape with HAMi-core's underflowed usage counter (HAMi issue #1181, line verbatim
# from corpus/hamicore-oom-underflow-alloc53--hami-issue-1181.txt): its limit is not the slice.
f = lab7()
underflow = corpus('hamicore-oom-underflow-alloc53--hami-issue-1181.txt')
for pod in ('a', 'b'):
    f[f'2-3-probe-memory-{pod}.txt'] = lab7_probe(
        pod, probe='cudaMalloc refused after 7424 MiB allocated: out of memory\n' + underflow)
write('hami-lab7-underflow', f, lab7_run_json(), sums=True)

# 12. Lab 7's shape with the default runtime left as runc: no HAMi-core in the pods, so they see
# and allocate the whole card.
f = lab7()
f['0-default-runtime.txt'] = f['0-default-runtime.txt'].replace('"nvidia"', '"runc"')
full_card = corpus('inpod-nvidia-smi-kmd-umd-8000m--hami-lab7-k3s.txt').replace(
    '       0MiB /   8000MiB', '       0MiB /  97887MiB')
for pod in ('a', 'b'):
    f[f'2-3-probe-memory-{pod}.txt'] = lab7_probe(
        pod, smi=full_card, probe='cudaMalloc refused after 97280 MiB allocated: out of memory\n')
f['5-probe-mechanism-a.txt'] = section(
    "kubectl exec hami-share-a -- bash -c 'env | grep -iE \"CUDA_DEVICE|NVIDIA_VISIBLE|LD_PRELOAD\" | sort; cat /etc/ld.so.preload; ls -l /usr/local/vgpu/ 2>/dev/null'",
    'NVIDIA_VISIBLE_DEVICES=GPU-3c4a3856-fbb4-1425-9679-aed25f4d2977\n'
    'cat: /etc/ld.so.preload: No such file or directory\ncommand terminated with exit code 2')
write('hami-lab7-runc', f, lab7_run_json(), sums=True)
