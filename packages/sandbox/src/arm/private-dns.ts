// Private DNS: zones, their virtual network links, and A/CNAME/TXT record sets with ARM's etag preconditions.
import {isIP} from 'node:net'
import {recountZone} from '../effects.ts'
import {etag} from '../estate.ts'
import {type ArmRequest, type Params, type Route, ArmError, badRequest, header, jsonBody, page, route} from '../http.ts'
import {type ArmResource, childrenOf, getResource, key, putResource} from '../world.ts'
import {API_VERSIONS, type ArmContext, RG, SUB, idOf, ok, present, provider} from './common.ts'

const DNS = `${RG}/providers/Microsoft.Network/privateDnsZones`

const RECORD_TYPES_AZURE = ['A', 'AAAA', 'CNAME', 'MX', 'PTR', 'SOA', 'SRV', 'TXT']
const RECORD_TYPES_EMULATED = ['A', 'CNAME', 'TXT', 'SOA']
const zoneType = 'Microsoft.Network/privateDnsZones'

export function privateDnsRoutes(ctx: ArmContext): Route[] {
  const {w, changed, get, parent, list} = provider(ctx)
  const zoneId = (p: Params) => `${DNS.replace('{sub}', p.sub).replace('{rg}', p.rg)}/${p.zone}`
  const zoneOf = (p: Params) => get(zoneId(p), zoneType)
  /** The zone a record set or link lives in: a missing one is a missing parent. */
  const parentZone = (p: Params) => parent(zoneId(p), zoneType)
  const recordsOf = (zone: ArmResource, type?: string) =>
    Object.values(w().resources)
      .filter((r) => r.type.startsWith(`${zoneType}/`) && !r.type.endsWith('virtualNetworkLinks') && key(r.id).startsWith(key(zone.id) + '/'))
      .filter((r) => !type || r.type.toUpperCase() === `${zoneType}/${type}`.toUpperCase())
      .sort((a, b) => a.name.localeCompare(b.name))
  const recordList = (req: ArmRequest, p: Params, type?: string) => {
    const zone = parentZone(p)
    const suffix = req.query.get('$recordsetnamesuffix')?.toLowerCase()
    const items = recordsOf(zone, type).filter((r) => !suffix || r.name.toLowerCase().endsWith(suffix))
    return page(req, items.map((r) => present(w(), r)), 100)
  }
  const cnameConflict = (zone: ArmResource, type: string, name: string) => {
    const others = recordsOf(zone).filter((r) => r.name.toLowerCase() === name.toLowerCase() && r.type.split('/').pop() !== type)
    if (others.length > 0 && (type === 'CNAME' || others.some((r) => r.type.endsWith('/CNAME')))) {
      throw new ArmError(409, 'Conflict', `The record set '${name}' cannot be created: a CNAME record set cannot coexist with another record set of the same name.`)
    }
  }

  /** Merges an update into a record set (the SOA's read-only host and serial stay) and gives it a new etag. */
  const updateRecord = (r: ArmResource, type: string, props: Record<string, any>) => {
    const data = recordData(type, props, r.name)
    if (data.soaRecord) data.soaRecord = {...r.properties.soaRecord, ...data.soaRecord}
    r.properties = {...r.properties, ...data}
    r.etag = etag()
    changed()
    return r
  }

  return [
    route('GET', `${SUB}/providers/Microsoft.Network/privateDnsZones`, API_VERSIONS.privateDns, (req, p) => list(req, p, zoneType)),
    route('GET', DNS, API_VERSIONS.privateDns, (req, p) => list(req, p, zoneType)),
    route('GET', `${DNS}/{zone}`, API_VERSIONS.privateDns, (_req, p) => ok(present(w(), zoneOf(p)))),
    route('GET', `${DNS}/{zone}/virtualNetworkLinks`, API_VERSIONS.privateDns, (req, p) => {
      const zone = parentZone(p)
      return page(req, childrenOf(w(), zone.id, 'virtualNetworkLinks').map((r) => present(w(), r)), 100)
    }),
    route('GET', `${DNS}/{zone}/virtualNetworkLinks/{link}`, API_VERSIONS.privateDns, (req) => ok(present(w(), get(idOf(req), `${zoneType}/virtualNetworkLinks`)))),
    route('GET', `${DNS}/{zone}/ALL`, API_VERSIONS.privateDns, (req, p) => recordList(req, p)),
    route('GET', `${DNS}/{zone}/{recordType}`, API_VERSIONS.privateDns, (req, p) => recordList(req, p, recordType(p))),
    route('GET', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (_req, p) => {
      const zone = parentZone(p)
      const t = recordType(p)
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      if (!r) throw recordNotFound(p)
      return ok(present(w(), r))
    }),
    route('PUT', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = parentZone(p)
      const t = recordType(p)
      const body = jsonBody(req)
      const existing = getResource(w(), `${zone.id}/${t}/${p.name}`)
      checkPreconditions(req, existing)
      if (t === 'SOA') {
        if (!existing) throw badRequest("A zone's SOA record set is created with the zone, under the name '@'; it can only be updated.", 'BadRequest')
        return ok(present(w(), updateRecord(existing, t, body.properties ?? {})))
      }
      // Private DNS stores record set names in lower case, as it answers them.
      const name = existing?.name ?? p.name.toLowerCase()
      const data = recordData(t, body.properties ?? {}, name)
      if (data.ttl === undefined) throw badRequest(`The record set '${name}' must specify a TTL.`, 'InvalidRecordSet')
      cnameConflict(zone, t, name)
      const r: ArmResource = {
        id: existing?.id ?? `${zone.id}/${t}/${name}`,
        name,
        type: `${zoneType}/${t}`,
        etag: etag(),
        properties: {metadata: {}, ...data, fqdn: name === '@' ? `${zone.name}.` : `${name}.${zone.name}.`, isAutoRegistered: false},
      }
      putResource(w(), r)
      recountZone(w(), zone.id)
      changed()
      return ok(present(w(), r), existing ? 200 : 201)
    }),
    route('PATCH', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = parentZone(p)
      const t = recordType(p)
      const body = jsonBody(req)
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      if (!r) throw recordNotFound(p)
      checkPreconditions(req, r)
      return ok(present(w(), updateRecord(r, t, body.properties ?? {})))
    }),
    route('DELETE', `${DNS}/{zone}/{recordType}/{name}`, API_VERSIONS.privateDns, (req, p) => {
      const zone = parentZone(p)
      const t = recordType(p)
      if (t === 'SOA') throw badRequest('The SOA record set cannot be deleted.', 'BadRequest')
      const r = getResource(w(), `${zone.id}/${t}/${p.name}`)
      checkPreconditions(req, r)
      if (!r) return {status: 204}
      delete w().resources[key(r.id)]
      recountZone(w(), zone.id)
      changed()
      return {status: 200}
    }),
  ]
}

function recordType(p: Params): string {
  const t = p.recordType.toUpperCase()
  if (!RECORD_TYPES_AZURE.includes(t)) {
    throw badRequest(`The record type '${p.recordType}' is not valid. Valid record types are ${RECORD_TYPES_AZURE.join(', ')}.`, 'InvalidRecordType')
  }
  if (!RECORD_TYPES_EMULATED.includes(t)) {
    throw new ArmError(404, 'NotEmulated', `The azfail sandbox does not emulate ${t} record sets; it emulates ${RECORD_TYPES_EMULATED.join(', ')}.`)
  }
  return t
}

function checkPreconditions(req: ArmRequest, existing: ArmResource | undefined): void {
  const ifMatch = header(req, 'if-match')
  const ifNoneMatch = header(req, 'if-none-match')
  if (ifMatch !== undefined) {
    if (!existing) throw new ArmError(412, 'PreconditionFailed', `The condition '${ifMatch}' in the If-Match header was not satisfied: the record set does not exist.`)
    if (ifMatch !== '*' && stripQuotes(ifMatch) !== existing.etag) {
      throw new ArmError(412, 'PreconditionFailed', `The condition '${ifMatch}' in the If-Match header was not satisfied. The current etag is '${existing.etag}'.`)
    }
  }
  if (ifNoneMatch !== undefined && existing && (ifNoneMatch === '*' || stripQuotes(ifNoneMatch) === existing.etag)) {
    throw new ArmError(412, 'PreconditionFailed', `The condition '${ifNoneMatch}' in the If-None-Match header was not satisfied: the record set already exists with etag '${existing.etag}'.`)
  }
}

function recordData(type: string, props: Record<string, any>, name: string): Record<string, any> {
  const fields: Record<string, string> = {A: 'aRecords', CNAME: 'cnameRecord', TXT: 'txtRecords', SOA: 'soaRecord'}
  for (const [t, f] of Object.entries({...fields, AAAA: 'aaaaRecords', MX: 'mxRecords', PTR: 'ptrRecords', SRV: 'srvRecords'})) {
    if (t !== type && props[f] !== undefined) throw badRequest(`The record set of type ${type} cannot contain '${f}'.`, 'InvalidRecordSet')
  }
  const data: Record<string, any> = {}
  if (type === 'A' && props.aRecords !== undefined) {
    if (!Array.isArray(props.aRecords)) throw badRequest("'aRecords' must be an array.", 'InvalidRecordSet')
    for (const a of props.aRecords) {
      if (isIP(a?.ipv4Address ?? '') !== 4) throw badRequest(`The IPv4 address '${a?.ipv4Address}' in record set '${name}' is not valid.`, 'InvalidRecordSet')
    }
    data.aRecords = props.aRecords.map((a: any) => ({ipv4Address: a.ipv4Address}))
  }
  if (type === 'CNAME' && props.cnameRecord !== undefined) {
    const target = props.cnameRecord?.cname
    if (typeof target !== 'string' || target.length === 0) throw badRequest(`The CNAME record set '${name}' must have a 'cnameRecord.cname'.`, 'InvalidRecordSet')
    if (name === '@') throw badRequest('A CNAME record set cannot be created at the zone apex.', 'InvalidRecordSet')
    data.cnameRecord = {cname: target}
  }
  if (type === 'TXT' && props.txtRecords !== undefined) {
    if (!Array.isArray(props.txtRecords) || props.txtRecords.some((t: any) => !Array.isArray(t?.value) || t.value.some((v: any) => typeof v !== 'string'))) {
      throw badRequest("'txtRecords' must be an array of {value: string[]}.", 'InvalidRecordSet')
    }
    data.txtRecords = props.txtRecords.map((t: any) => ({value: [...t.value]}))
  }
  if (type === 'SOA' && props.soaRecord !== undefined) {
    const writable = ['email', 'refreshTime', 'retryTime', 'expireTime', 'minimumTtl']
    if (props.soaRecord === null || typeof props.soaRecord !== 'object') throw badRequest("'soaRecord' must be an object.", 'InvalidRecordSet')
    data.soaRecord = Object.fromEntries(Object.entries(props.soaRecord).filter(([k]) => writable.includes(k)))
  }
  if (props.ttl !== undefined) {
    if (!Number.isInteger(props.ttl) || props.ttl < 0 || props.ttl > 2147483647) throw badRequest(`The TTL '${props.ttl}' is not valid: it must be an integer between 0 and 2147483647.`, 'InvalidRecordSet')
    data.ttl = props.ttl
  }
  if (props.metadata !== undefined) data.metadata = props.metadata
  return data
}

function recordNotFound(p: Params) {
  return new ArmError(404, 'NotFound', `The resource record '${p.name}' of type ${p.recordType.toUpperCase()} does not exist in zone '${p.zone}' of resource group '${p.rg}'.`)
}

const stripQuotes = (s: string) => s.replace(/^W\//, '').replace(/^"|"$/g, '')
