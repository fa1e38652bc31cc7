// The redactor: a secret is found raw and in the encodings its text takes on the way out (JSON, HTML, Slack's
// mrkdwn, URL-encoded, base64 wherever it sits in the encoded bytes), and a copy of an event is redacted, not the event.
import assert from 'node:assert/strict'
import {afterEach, describe, it} from 'node:test'
import {REDACTED, addSecret, forgetSecrets, redact, redactDeep} from '../../src/secrets.ts'

const SECRET = `Zq7Kp<&>"'\\é漢-password`

describe('redact', () => {
  afterEach(forgetSecrets)

  it('finds a secret raw and JSON-, HTML-, Slack-, URL- and base64-encoded', () => {
    addSecret(SECRET)
    const html = SECRET.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
    const slack = SECRET.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    const asciiJson = JSON.stringify(SECRET).slice(1, -1).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    for (const form of [SECRET, JSON.stringify(SECRET).slice(1, -1), asciiJson, html, slack, JSON.stringify(slack).slice(1, -1), encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64')]) {
      assert.equal(redact(`before ${form} after`), `before ${REDACTED} after`, form)
    }
  })

  it('finds the base64 of a secret inside a longer encoded text, at any offset', () => {
    addSecret(SECRET)
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const text = Buffer.from(`${prefix}${SECRET} and more`).toString('base64')
      assert.ok(redact(text).includes(REDACTED), `${prefix}: ${text}`)
    }
  })

  it("finds a webhook URL's path and query as well as the whole URL", () => {
    addSecret('https://hooks.example.com/services/T000/B000/XyZ-hook-token?sig=Sg-1234567890abcdef')
    addSecret('https://hooks.example.com/generic?k=1')
    assert.equal(redact('posted to /services/T000/B000/XyZ-hook-token'), `posted to ${REDACTED}`)
    assert.equal(redact('sig=Sg-1234567890abcdef refused'), `${REDACTED} refused`)
    // a short path is no secret of its own: only the whole URL is
    assert.equal(redact('the /generic receiver'), 'the /generic receiver')
  })

  it('leaves short values and ordinary text alone, and redacts a copy of a value', () => {
    addSecret('abc')
    addSecret(SECRET)
    assert.equal(redact('abc is not a secret'), 'abc is not a secret')
    const event = {type: 'step-ended', record: {message: `password ${SECRET}`, at: 1}, list: [SECRET]}
    assert.deepEqual(redactDeep(event), {type: 'step-ended', record: {message: `password ${REDACTED}`, at: 1}, list: [REDACTED]})
    assert.equal(event.record.message, `password ${SECRET}`)
  })
})
