// drainSteering: disable the region's Traffic Manager endpoint and Front Door origin, then record the drain time in
// Azure so a later teardown, from any machine, knows when the TTL window started. The layers are independent: one
// whose control plane refuses leaves the others drained, recorded, waited out and verified, and the run ends
// `partial` naming the layer that still sends traffic and the command that finishes it (a re-run does only that).
import {drainWritten} from '../azure/observe.ts'
import {writeDrainRecord} from '../azure/state-records.ts'
import type {StepOutcome, StepPlan} from '../engine/types.ts'
import {StepError} from '../errors.ts'
import {effectiveDrainAt} from '../estate/predicates.ts'
import {copyState, type LiveState, type SteeringLayer} from '../estate/state.ts'
import {lastRegion} from '../guards/guards.ts'
import {type StepKind, need} from './context.ts'
import {type SteeringData, LAYER_NAMES, applySteering, describeSteering, layerIs, layerResource, layersOf, planSteering, projectSteering, STEERING_PERMISSIONS} from './steering.ts'

interface DrainData extends SteeringData {
  /** the layers drained before this step (kept in the record) */
  drained: SteeringLayer[]
  /** the drain time already recorded, kept when this step drains no new layer */
  drainedAt?: string
}

/** The layers of the region that are disabled now, and those the operator skipped. */
const drainedLayers = (state: LiveState, region: string) => layersOf(state, region).filter((l) => layerIs(state, region, l, 'Disabled'))

export const drainSteering: StepKind<DrainData> = {
  kind: 'drainSteering',
  summary: 'disable the region at every steering layer (Traffic Manager endpoint, Front Door origin), each independently, and record the drain time and the drained layers in Azure',
  defaults: {drain: 1, failover: 1},
  reads: {},
  permissions: STEERING_PERMISSIONS,
  create(ctx, params) {
    const region = need(params.region, {kind: 'drainSteering', action: params.action}, 'a region')
    const skip = params.skipLayers ?? []
    return {
      id: 'drainSteering',
      kind: 'drainSteering',
      title: `Drain ${region} at the steering layer`,
      changes: true,
      plan(state): StepPlan<DrainData> {
        const r = state.regions[region]
        const steering = planSteering(state, region, 'Disabled', skip)
        const drained = drainedLayers(state, region)
        const changes = [...steering.changes]
        const recorded = r.drain?.layers ?? (r.drain ? layersOf(state, region) : [])
        const willBe = [...new Set([...drained, ...layersOf(state, region).filter((l) => steering[l])])]
        if (!r.drain) changes.push({what: `drain record for ${region}`, from: 'none', to: 'drain time, when the steering change completes'})
        else if (willBe.some((l) => !recorded.includes(l))) changes.push({what: `drain record for ${region}: drained layers`, from: recorded.join(', ') || 'none', to: willBe.join(', ')})
        const skipped = skip.filter((l) => layersOf(state, region).includes(l) && !layerIs(state, region, l, 'Disabled'))
        return {
          summary: [changes.length > 0 ? changes.map((c) => `${c.what}: ${c.from} -> ${c.to}`).join('; ') : 'nothing to change', ...skipped.map((l) => `${layerResource(ctx.estate, region, l)} skipped (--skip-layer): it still sends traffic to ${region}`)].join('; '),
          changes,
          verdicts: steering.changes.length > 0 ? [lastRegion(state, region)] : [],
          ...(steering.problems.length > 0 ? {problems: steering.problems} : {}),
          ...(changes.length === 0 ? {done: `${region} is disabled at ${drained.map((l) => LAYER_NAMES[l]).join(' and ') || 'no steering layer'}${skipped.length > 0 ? ` (${skipped.map((l) => LAYER_NAMES[l]).join(', ')} skipped)` : ''} since ${r.drain?.drainedAt}${r.drain && effectiveDrainAt(r) !== r.drain.drainedAt ? ` (its steering last written at ${effectiveDrainAt(r)}, which the TTL window runs from)` : ''}`} : {}),
          data: {trafficManager: steering.trafficManager, frontDoor: steering.frontDoor, ...(steering.frontDoorIdle ? {frontDoorIdle: true} : {}), drained, ...(r.drain ? {drainedAt: r.drain.drainedAt} : {})},
        }
      },
      project(state) {
        const s = copyState(state)
        projectSteering(s, region, 'Disabled', skip)
        s.regions[region].drain = {drainedAt: new Date(ctx.now()).toISOString(), layers: drainedLayers(s, region), projected: true} // a plan's estimate; apply records Azure's latest
        return s
      },
      async apply(plan, rt): Promise<StepOutcome> {
        const {done, refused} = await applySteering(ctx, region, 'Disabled', plan.data, rt)
        const layers = [...new Set([...plan.data.drained, ...done])]
        if (layers.length === 0) throw new StepError('SteeringRefused', `No steering layer of ${region} could be drained: ${refused.map((x) => x.error).join('; ')}`, {hint: `Nothing was drained; run '${ctx.command(`drain ${region}`)}' again once the steering layer accepts changes.`})
        // The window runs from the last layer drained; a record that only gains layers already drained keeps its time.
        const drainedAt = done.length > 0 || !plan.data.drainedAt ? new Date(ctx.stamp()).toISOString() : plan.data.drainedAt
        await writeDrainRecord(ctx.estate, ctx.clients, region, {drainedAt, runId: rt.runId, layers})
        drainWritten(ctx.clients, region, drainedAt)
        const message = `${describeSteering(ctx.estate, region, done, 'Disabled') || 'steering already disabled'}; drained at ${drainedAt} (layers: ${layers.join(', ')})`
        if (refused.length === 0) return {message}
        const names = refused.map((x) => `${LAYER_NAMES[x.layer]} (${x.error})`).join('; ')
        const still = refused.map((x) => layerResource(ctx.estate, region, x.layer)).join(' and ')
        return {
          message: `${message}; refused: ${names}`,
          incomplete: {
            code: 'SteeringIncomplete',
            message: `Steering is incomplete: ${still} still sends traffic to ${region}; Azure refused the change (${refused.map((x) => x.error).join('; ')}). ${layers.map((l) => LAYER_NAMES[l]).join(' and ')} ${layers.length > 1 ? 'are' : 'is'} drained and recorded.`,
            hint: `When ${refused.map((x) => LAYER_NAMES[x.layer]).join(' and ')} accepts changes again, run '${ctx.command(`drain ${region}`)}': it drains only what is left. To go on without it, '--skip-layer ${refused[0].layer} --reason "<why>"' records who skipped it and why.`,
          },
        }
      },
    }
  },
}
