// Types for the catalogue, so TypeScript tests can read it.
export interface Job {
  id: string
  group: string
  title: string
  impls: string[]
  needs: string[]
  params: Record<string, unknown>
}
export function catalogue(options: { quick: boolean; gun1m: boolean }): Job[]
export function select(jobs: Job[], names: string[]): Job[]
