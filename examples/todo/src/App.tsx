import { type FormEvent, memo, useState } from 'react'
import type { DataOf } from 'trellis'
import { type MapRow, useMap, useSyncStatus } from 'trellis/react'
import { db, type Todo } from './db'

type Row = MapRow<DataOf<Todo>>

export function App() {
  const todos = useMap(db.get('todos'))
  const [title, setTitle] = useState('')
  const add = (event: FormEvent) => {
    event.preventDefault()
    const text = title.trim()
    if (text === '') return
    db.get('todos').set({ title: text, done: false })
    setTitle('')
  }
  const open = todos.filter((row) => row.value.done !== true).length
  return (
    <main>
      <h1>Todo</h1>
      <Status />
      <form onSubmit={add}>
        <input aria-label="New todo" placeholder="What needs doing?" value={title} onChange={(event) => setTitle(event.target.value)} />
      </form>
      <ul aria-label="Todos">
        {todos.map((row) => (
          <TodoItem key={row.key} row={row} />
        ))}
      </ul>
      <p>{open === 1 ? '1 item left' : `${open} items left`}</p>
    </main>
  )
}

/** One row: memo, so a change to another todo does not render this one (useMap keeps unchanged rows identical). */
const TodoItem = memo(function TodoItem({ row }: { row: Row }) {
  const { key, value } = row
  const title = value.title ?? ''
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(title)
  const todo = db.get('todos').get(key)
  const edit = () => {
    setDraft(title)
    setEditing(true)
  }
  const save = (event: FormEvent) => {
    event.preventDefault()
    const text = draft.trim()
    if (text !== '' && text !== title) todo.put({ title: text })
    setEditing(false)
  }
  return (
    <li className={value.done === true ? 'done' : undefined}>
      <input type="checkbox" aria-label={`Done: ${title}`} checked={value.done === true} onChange={() => todo.put({ done: value.done !== true })} />
      {editing ? (
        <form onSubmit={save}>
          <input
            aria-label={`Rename ${title}`}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => event.key === 'Escape' && setEditing(false)}
          />
        </form>
      ) : (
        <span>{title}</span>
      )}
      {!editing && (
        <button type="button" aria-label={`Edit ${title}`} onClick={edit}>
          Edit
        </button>
      )}
      <button type="button" aria-label={`Delete ${title}`} onClick={() => db.get('todos').put({ [key]: null })}>
        Delete
      </button>
    </li>
  )
})

function Status() {
  const status = useSyncStatus(db)
  const text = status === 'offline' ? 'Offline: changes are kept here and sent on reconnect' : status === 'syncing' ? 'Syncing…' : 'Synced'
  return (
    <p role="status" aria-label="Sync status" data-state={status}>
      {text}
    </p>
  )
}
