// What the figures were measured on, so a reader can compare like with like.
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os'

export function machineInfo() {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((l) => +l.toFixed(2)),
  }
}
