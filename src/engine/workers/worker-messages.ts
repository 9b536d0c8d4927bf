/** One pipeline a worker runs: which strategy, with what parameters, on what symbol and signal group. */
export interface WorkerPipeline {
  readonly strategy: string
  readonly params: Readonly<Record<string, number>>
  readonly symbol: string
  readonly group: number
}

/** What a worker starts with (workerData). */
export interface WorkerInit {
  readonly index: number
  /** Strategy module files to load before building pipelines (absolute paths). */
  readonly modules: readonly string[]
  /** The symbol table inputs and intents are encoded with. */
  readonly symbols: readonly string[]
  readonly pipelines: readonly WorkerPipeline[]
}

export type ToWorker = { readonly type: 'batch'; readonly id: number; readonly buf: Float64Array; readonly n: number; readonly strings: string[] } | { readonly type: 'stop' }

export type FromWorker =
  | { readonly type: 'ready'; readonly failed: readonly (readonly [number, string])[] }
  | {
      readonly type: 'intents'
      readonly id: number
      readonly buf: Float64Array
      readonly n: number
      readonly strings: string[]
      /** Pipelines that failed on this batch: [index, reason]. */
      readonly failed: readonly (readonly [number, string])[]
      /** Worker time spent on the batch so far, ms. */
      readonly busyMs: number
      /** False for intents sent early, while the batch's later inputs are still being computed. */
      readonly final: boolean
    }
  | { readonly type: 'stopped' }
