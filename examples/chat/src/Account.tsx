import { type FormEvent, useState } from 'react'
import { useUser } from 'trellis/react'

/** Sign up (create, then log in) or log in, with SEA accounts: the password never leaves the page. */
export function Account() {
  const { create, auth } = useUser()
  const [alias, setAlias] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const run = async (signUp: boolean) => {
    setBusy(true)
    setError(undefined)
    const created = signUp ? await create(alias, password) : {}
    const ack = created.err === undefined ? await auth(alias, password) : created
    setBusy(false)
    if (ack.err !== undefined) setError(ack.err)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void run(false)
  }
  return (
    <form onSubmit={submit} aria-label="Account">
      <input aria-label="Alias" placeholder="alias" value={alias} onChange={(event) => setAlias(event.target.value)} />
      <input aria-label="Password" type="password" placeholder="password (8+)" value={password} onChange={(event) => setPassword(event.target.value)} />
      <button type="submit" disabled={busy}>
        Log in
      </button>
      <button type="button" disabled={busy} onClick={() => void run(true)}>
        Sign up
      </button>
      {error !== undefined && <p role="alert">{error}</p>}
    </form>
  )
}
