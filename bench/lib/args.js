// Command-line options of `npm run bench -- ...`.

const HELP = `usage: node bench/run.js [--quick] [--scenario NAME[,NAME]] [--runs N] [--json] [--out FILE] [--gun-1m]
  --quick        one-minute smoke run with small sizes; never overwrites BENCHMARKS.md
  --scenario     run only scenarios whose group or id starts with NAME (memory, durable, relay, sea, heap, ceiling)
  --runs N       measured runs per implementation (default 3, quick 1)
  --json         print the results as JSON on stdout (progress goes to stderr)
  --out FILE     where to write the markdown report (default BENCHMARKS.md for a full run of every scenario)
  --gun-1m       also load 1M nodes into stock Gun (takes hours; skipped by default)
  --impl LIST    only these implementations (trellis,gun,ws,lmdb)`

export function parseArgs(argv) {
  const opts = { quick: false, scenarios: [], runs: undefined, json: false, out: undefined, gun1m: false, impls: undefined }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    const name = arg.split('=')[0]
    switch (name) {
      case '--quick':
        opts.quick = true
        break
      case '--json':
        opts.json = true
        break
      case '--gun-1m':
        opts.gun1m = true
        break
      case '--scenario':
        opts.scenarios.push(...value().split(',').filter(Boolean))
        break
      case '--impl':
        opts.impls = value().split(',').filter(Boolean)
        break
      case '--out':
        opts.out = value()
        break
      case '--runs': {
        const n = Number(value())
        if (!Number.isInteger(n) || n < 1) throw new Error('--runs needs a positive integer')
        opts.runs = n
        break
      }
      case '--help':
      case '-h':
        opts.help = HELP
        break
      default:
        throw new Error(`unknown option ${arg}\n${HELP}`)
    }
  }
  opts.runs ??= opts.quick ? 1 : 3
  return opts
}
