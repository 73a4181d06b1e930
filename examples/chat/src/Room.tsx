import { type FormEvent, memo, useEffect, useState } from 'react'
import type { DataOf } from 'trellis'
import { type MapRow, useMap, useUser } from 'trellis/react'
import { db, type Message, messageKey } from './db'

/** How often a user's presence key is rewritten, and how old one may be to still count as online. */
const HEARTBEAT_MS = 10_000
const ONLINE_FOR_MS = 3 * HEARTBEAT_MS

export function Room({ name }: { name: string }) {
  const room = db.get('rooms').get(name)
  const messages = useMap(room.get('messages'), { max: 500 })
  const { loggedIn, alias, pub } = useUser()
  useHeartbeat(name, alias, pub)
  const [text, setText] = useState('')
  const send = (event: FormEvent) => {
    event.preventDefault()
    const body = text.trim()
    if (body === '' || alias === undefined || pub === undefined) return
    const at = Date.now()
    room.get('messages').get(messageKey(at)).put({ text: body, alias, pub, at })
    setText('')
  }
  return (
    <section aria-label={`Room ${name}`}>
      <Online room={name} />
      <ul aria-label="Messages">
        {messages.map((row) => (
          <MessageItem key={row.key} row={row} />
        ))}
      </ul>
      {loggedIn ? (
        <form onSubmit={send}>
          <input aria-label="Message" placeholder={`Message #${name}`} value={text} onChange={(event) => setText(event.target.value)} />
          <button type="submit">Send</button>
        </form>
      ) : (
        <p>Log in to write.</p>
      )}
    </section>
  )
}

const MessageItem = memo(function MessageItem({ row }: { row: MapRow<DataOf<Message>> }) {
  const { alias, text, at } = row.value
  return (
    <li>
      <b>{alias}</b>{' '}
      <time dateTime={typeof at === 'number' ? new Date(at).toISOString() : undefined}>{typeof at === 'number' ? new Date(at).toLocaleTimeString() : ''}</time>{' '}
      <span>{text}</span>
    </li>
  )
})

/** While logged in and in this room: rewrite `online/<pub>` with the time, every HEARTBEAT_MS. */
function useHeartbeat(room: string, alias: string | undefined, pub: string | undefined) {
  useEffect(() => {
    if (alias === undefined || pub === undefined) return
    const beat = () => db.get('rooms').get(room).get('online').get(pub).put({ alias, at: Date.now() })
    beat()
    const timer = setInterval(beat, HEARTBEAT_MS)
    return () => clearInterval(timer)
  }, [room, alias, pub])
}

/** Who wrote a heartbeat lately; re-checked every few seconds so that leavers drop off. */
function Online({ room }: { room: string }) {
  const presence = useMap(db.get('rooms').get(room).get('online'))
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), HEARTBEAT_MS / 2)
    return () => clearInterval(timer)
  }, [])
  const online = presence.filter((row) => typeof row.value.at === 'number' && now - row.value.at < ONLINE_FOR_MS)
  return <aside aria-label="Online">{online.length === 0 ? 'Nobody online' : `Online: ${online.map((row) => row.value.alias).join(', ')}`}</aside>
}
