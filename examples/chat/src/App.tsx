import { useState } from 'react'
import { useMap, useSyncStatus, useUser } from 'trellis/react'
import { Account } from './Account'
import { db } from './db'
import { Room } from './Room'

const FIRST_ROOM = 'general'

export function App() {
  const { loggedIn, alias, leave } = useUser()
  const status = useSyncStatus()
  const [room, setRoom] = useState(FIRST_ROOM)
  return (
    <main>
      <header>
        <h1>Chat</h1>
        <span role="status" aria-label="Sync status" data-state={status}>
          {status}
        </span>
        {loggedIn && (
          <span>
            {alias}{' '}
            <button type="button" onClick={leave}>
              Log out
            </button>
          </span>
        )}
      </header>
      {!loggedIn && <Account />}
      <Rooms current={room} onPick={setRoom} />
      <Room name={room} />
    </main>
  )
}

function Rooms({ current, onPick }: { current: string; onPick: (room: string) => void }) {
  const rooms = useMap(db.get('rooms'))
  const [name, setName] = useState('')
  const names = new Set([FIRST_ROOM, ...rooms.map((row) => row.key)])
  return (
    <nav aria-label="Rooms">
      {[...names].sort().map((room) => (
        <button type="button" key={room} aria-pressed={room === current} onClick={() => onPick(room)}>
          #{room}
        </button>
      ))}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          const room = name.trim().toLowerCase()
          if (room === '') return
          // A room exists once it has a node: its presence map is enough.
          db.get('rooms').get(room).get('online').put({})
          onPick(room)
          setName('')
        }}
      >
        <input aria-label="New room" placeholder="new room" value={name} onChange={(event) => setName(event.target.value)} />
      </form>
    </nav>
  )
}
