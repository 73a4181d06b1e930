import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_CONFIG, loadServerConfig, serveHelp } from '../../src/server/config.js'

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trellis-config-')), 'trellis.json')
  writeFileSync(path, content)
  return path
}

describe('server configuration: flags, environment, config file', () => {
  it('defaults', () => {
    expect(loadServerConfig([], {})).toEqual(DEFAULT_CONFIG)
  })

  it('flags win over the environment, which wins over the file', () => {
    const path = file(JSON.stringify({ port: 1111, host: '0.0.0.0', logLevel: 'debug', bodyLimit: '2mb', peers: ['http://a.example:8765/gun'] }))
    const config = loadServerConfig(['--config', path, '--port', '3333'], { PORT: '2222', LOG_LEVEL: 'warn', MAX_PEERS: '50', SHUTDOWN_TIMEOUT: '5s' })
    expect(config).toMatchObject({
      port: 3333,
      host: '0.0.0.0',
      logLevel: 'warn',
      bodyLimit: 2 * 1024 * 1024,
      peers: ['http://a.example:8765/gun'],
      maxPeers: 50,
      shutdownTimeoutMs: 5000,
    })
    expect(loadServerConfig([], { TRELLIS_CONFIG: path })).toMatchObject({ port: 1111 })
  })

  it('booleans, memory mode, CORS, sizes and times', () => {
    expect(loadServerConfig(['--no-admin', '--metrics=false', '--memory'], {})).toMatchObject({ admin: false, metrics: false, dataDir: undefined })
    expect(loadServerConfig(['--data', ''], {})).toMatchObject({ dataDir: undefined })
    expect(loadServerConfig([], { ADMIN: 'off', CORS_ORIGINS: 'https://a.example, https://b.example' })).toMatchObject({
      admin: false,
      corsOrigins: ['https://a.example', 'https://b.example'],
    })
    expect(loadServerConfig(['--cors', '*', '--body-limit', '512kb', '--request-timeout', '2m'], {})).toMatchObject({
      corsOrigins: '*',
      bodyLimit: 512 * 1024,
      requestTimeoutMs: 120_000,
    })
  })

  it('issue 11 #8: soul, key and value limits and the listing byte bound', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ maxSoulChars: 4096, maxKeyChars: 4096, maxValueChars: 4 * 1024 * 1024, maxListBytes: 1024 * 1024 })
    expect(loadServerConfig(['--max-soul-chars', '100', '--max-key-chars=50', '--max-list-bytes', '256kb'], { MAX_VALUE_CHARS: '1000' })).toMatchObject({
      maxSoulChars: 100,
      maxKeyChars: 50,
      maxValueChars: 1000,
      maxListBytes: 256 * 1024,
    })
    expect(() => loadServerConfig(['--max-soul-chars', '0'], {})).toThrow(/invalid max soul chars '0'/)
    for (const flag of ['--max-soul-chars', '--max-key-chars', '--max-value-chars', '--max-list-bytes']) expect(serveHelp()).toContain(flag)
  })

  it('catch-up between relays: --sync, --sync-interval, --sync-page-bytes', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ sync: true, syncIntervalMs: 30_000, syncPageBytes: 256 * 1024 })
    expect(loadServerConfig(['--sync-interval', '5s', '--sync-page-bytes', '64kb'], {})).toMatchObject({ syncIntervalMs: 5000, syncPageBytes: 64 * 1024 })
    expect(loadServerConfig([], { SYNC: 'off', SYNC_INTERVAL: '0' })).toMatchObject({ sync: false, syncIntervalMs: 0 })
    expect(() => loadServerConfig(['--sync-page-bytes', '64mb'], {})).toThrow(ConfigError)
    for (const flag of ['--sync-interval', '--sync-page-bytes', '--sync']) expect(serveHelp()).toContain(flag)
  })

  it('--static is repeatable: DIR or DIR:/MOUNT, from flags, the environment or the file', () => {
    expect(DEFAULT_CONFIG.static).toEqual([])
    expect((loadServerConfig(['--static', 'public', '--static', 'examples/chat/dist:/examples/chat/'], {}) as { static: unknown }).static).toEqual([
      { dir: 'public', mount: '/' },
      { dir: 'examples/chat/dist', mount: '/examples/chat' },
    ])
    expect((loadServerConfig([], { STATIC: 'a:/x, b' }) as { static: unknown }).static).toEqual([
      { dir: 'a', mount: '/x' },
      { dir: 'b', mount: '/' },
    ])
    expect((loadServerConfig(['--config', file(JSON.stringify({ static: ['site:/s'] }))], {}) as { static: unknown }).static).toEqual([
      { dir: 'site', mount: '/s' },
    ])
    // A Windows drive letter stays part of the folder.
    expect((loadServerConfig(['--static', 'C:\\site:/s'], {}) as { static: unknown }).static).toEqual([{ dir: 'C:\\site', mount: '/s' }])
    for (const bad of ['a:/x/../y', 'a:/%2e%2e', 'a:/x//y', 'a://', ':/x', 'a:/./b']) {
      expect(() => loadServerConfig(['--static', bad], {}), bad).toThrow(/invalid static .*expected DIR or DIR:\/mount/)
    }
  })

  it('bad configuration is a ConfigError that names the setting and its source', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--port', '99999'], {}, /invalid port '99999': expected an integer from 0 to 65535 \(--port\)/],
      [[], { PORT: 'eighty' }, /invalid port 'eighty'.*\(environment variable PORT\)/],
      [['--log-level', 'loud'], {}, /one of fatal, error, warn/],
      [['--peers', 'http://ok:1/gun,ftp://x'], {}, /invalid peer URL 'ftp:\/\/x': expected http\(s\):\/\/ or ws\(s\):\/\//],
      [['--body-limit', 'huge'], {}, /a size such as/],
      [['--cors', 'app.example'], {}, /origins like https:\/\//],
      [['--whatever'], {}, /unknown option '--whatever'/],
      [['--port'], {}, /needs a value/],
      [['--port', '--host', 'x'], {}, /option '--port' needs a value <n>/],
      [['--no-admin=1'], {}, /--no-admin takes no value/],
      [['--no-port'], {}, /unknown option '--no-port'/],
      [['-x'], {}, /unknown option '-x'/],
      [['--sync-page-bytes', '9mb'], {}, /expected a size from 1 byte to 8mb/],
      [['stray'], {}, /unexpected argument 'stray'/],
      [['--config', '/nonexistent/trellis.json'], {}, /cannot read config file .*ENOENT/],
      [['--config', file('{nope')], {}, /is not valid JSON/],
      [['--config', file('{"prot": 1}')], {}, /unknown setting 'prot'/],
      [['--config', file('{"maxPeers": 0}')], {}, /'maxPeers' in .*trellis.json/],
    ]
    for (const [argv, env, message] of cases) {
      expect(() => loadServerConfig(argv, env), argv.join(' ')).toThrow(ConfigError)
      expect(() => loadServerConfig(argv, env), argv.join(' ')).toThrow(message)
    }
  })

  it('--help documents every option with its environment variable and default', () => {
    expect(loadServerConfig(['--help'], {})).toBe('help')
    const help = serveHelp()
    for (const flag of [
      '--port',
      '--host',
      '--data',
      '--memory',
      '--peers',
      '--log-level',
      '--cors',
      '--body-limit',
      '--max-peers',
      '--max-subscribers',
      '--request-timeout',
      '--keep-alive-timeout',
      '--shutdown-timeout',
      '--admin',
      '--metrics',
      '--api',
      '--config',
    ]) {
      expect(help).toContain(flag)
    }
    for (const env of [
      'PORT',
      'HOST',
      'DATA_DIR',
      'PEERS',
      'LOG_LEVEL',
      'CORS_ORIGINS',
      'BODY_LIMIT',
      'MAX_PEERS',
      'MAX_SUBSCRIBERS',
      'REQUEST_TIMEOUT',
      'KEEP_ALIVE_TIMEOUT',
      'SHUTDOWN_TIMEOUT',
      'TRELLIS_CONFIG',
    ]) {
      expect(help).toContain(`env ${env}`)
    }
  })
})
