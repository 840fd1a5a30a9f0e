/**
 * The HTML part of a notification email. Mail clients strip <style> blocks
 * and scripts and render tables more reliably than anything else, so this is
 * a table layout with inline styles only; buttons are plain links styled as
 * buttons, so they work everywhere (and the text part carries the same links).
 */
import { html, joinHtml, raw } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import type { IncidentRef, OutboundMessage } from './channel.js';
import {
  formatInstant,
  incidentFacts,
  incidentReasonLine,
  messageTitle,
  oneLine,
  primaryIncident,
  reasonLine,
  subjectLine,
  testSentence,
} from './render.js';

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#172b4d';
const SUBTLE = '#5e6c84';
const GREEN = '#00875a';
const RED = '#de350b';

/**
 * An inline style built in this file from the constants above (never from
 * message text), inserted as is: the font stack's single quotes are CSS.
 */
function css(...declarations: string[]): SafeHtml {
  return raw(declarations.join(''));
}

/** P1 red, P2 orange, P3 amber, anything else grey: the colour is a hint, the text says it too. */
function priorityColor(priority: string): string {
  switch (priority.toUpperCase()) {
    case 'P1':
      return RED;
    case 'P2':
      return '#ff8b00';
    case 'P3':
      return '#b38600';
    default:
      return SUBTLE;
  }
}

function buttonHtml(label: string, url: string, color: string, small = false): SafeHtml {
  const style = css(
    `display:inline-block;background:${color};color:#ffffff;font-family:${FONT};`,
    `font-size:${small ? '13px' : '15px'};font-weight:600;line-height:1.2;padding:${small ? '6px 12px' : '12px 22px'};`,
    'border-radius:4px;text-decoration:none;margin:0 8px 8px 0;',
  );
  return html`<a href="${url}" style="${style}">${label}</a>`;
}

function badge(priority: string): SafeHtml {
  const style = css(
    `display:inline-block;background:${priorityColor(priority)};color:#ffffff;font-size:12px;font-weight:700;`,
    'padding:2px 8px;border-radius:3px;letter-spacing:0.5px;',
  );
  return html`<span style="${style}">${priority}</span>`;
}

function paragraph(content: SafeHtml | string, style = ''): SafeHtml {
  return html`<p style="${css(`margin:0 0 16px 0;font-size:15px;line-height:1.5;color:${INK};${style}`)}">${content}</p>`;
}

function heading(message: OutboundMessage, lineHeight = true): SafeHtml {
  return html`<h1 style="${css(`margin:0 0 12px 0;font-size:22px;${lineHeight ? 'line-height:1.3;' : ''}color:${INK};`)}">${messageTitle(message)}</h1>`;
}

function factsTable(incident: IncidentRef): SafeHtml {
  const label = css(`padding:4px 16px 4px 0;color:${SUBTLE};font-size:14px;white-space:nowrap;vertical-align:top;`);
  const value = css(`padding:4px 0;color:${INK};font-size:14px;`);
  const rows = incidentFacts(incident).map(([l, v]) => html`<tr><td style="${label}">${l}</td><td style="${value}">${v}</td></tr>`);
  return html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px 0;border-collapse:collapse;">${rows}</table>`;
}

function incidentSection(message: OutboundMessage, incident: IncidentRef): SafeHtml {
  const buttons = html`${buttonHtml('Acknowledge', incident.acknowledgeUrl, GREEN)}${buttonHtml('Resolve', incident.resolveUrl, RED)}`;
  return joinHtml(
    [
      html`<div style="margin:0 0 8px 0;">${badge(incident.priority)}</div>`,
      heading(message),
      message.note === undefined ? html`` : paragraph(oneLine(message.note), `color:${RED};font-weight:600;`),
      factsTable(incident),
      paragraph(reasonLine(message), `color:${SUBTLE};`),
      html`<div style="margin:0 0 8px 0;">${buttons}</div>`,
      paragraph(html`<a href="${incident.url}" style="color:#0052cc;">Open ${incident.number} in Tandem</a>`),
    ],
    '\n',
  );
}

function bundleRow(message: OutboundMessage, incident: IncidentRef): SafeHtml {
  const why = incidentReasonLine(message, incident);
  const small = css(`margin:0 0 8px 0;color:${SUBTLE};font-size:13px;`);
  const facts = `${incident.service.id} · ${incident.status} · ${incident.severity} · opened ${formatInstant(incident.createdAt)}`;
  // The backslashes continue the template without a newline: the row is one line, as whitespace between inline blocks would show.
  return html`<tr><td style="padding:12px 0;border-top:1px solid #dfe1e6;">\
<div style="margin:0 0 4px 0;">${badge(incident.priority)} <a href="${incident.url}" style="color:#0052cc;font-weight:600;">${incident.number}</a> \
<span style="${css(`color:${INK};font-size:15px;`)}">${oneLine(incident.title)}</span></div>\
<div style="${small}">${facts}</div>\
${why !== undefined && html`<div style="${small}">${why}</div>`}\
${buttonHtml('Acknowledge', incident.acknowledgeUrl, GREEN, true)}${buttonHtml('Resolve', incident.resolveUrl, RED, true)}\
</td></tr>`;
}

function bundleSection(message: OutboundMessage): SafeHtml {
  const rows = joinHtml(
    message.incidents.map((incident) => bundleRow(message, incident)),
    '\n',
  );
  const top: SafeHtml[] = [];
  if (message.acknowledgeAllUrl !== undefined) top.push(buttonHtml('Acknowledge all', message.acknowledgeAllUrl, GREEN));
  if (message.overviewUrl !== undefined) top.push(buttonHtml('Open in Tandem', message.overviewUrl, '#0052cc'));
  return joinHtml(
    [
      heading(message),
      paragraph(reasonLine(message), `color:${SUBTLE};`),
      message.note === undefined ? html`` : paragraph(oneLine(message.note)),
      top.length === 0 ? html`` : html`<div style="margin:0 0 8px 0;">${top}</div>`,
      html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">${rows}</table>`,
    ],
    '\n',
  );
}

function mainSection(message: OutboundMessage, incident: IncidentRef | undefined): SafeHtml {
  if (incident !== undefined) return incidentSection(message, incident);
  if (message.kind === 'bundle') return bundleSection(message);
  return html`${heading(message, false)}\n${paragraph(testSentence(message))}`;
}

/** The complete HTML document for `message`. */
export function emailHtml(message: OutboundMessage): string {
  const incident = primaryIncident(message);
  const accent = incident === undefined ? '#0052cc' : priorityColor(incident.priority);
  const card = css(
    `max-width:600px;background:#ffffff;border:1px solid #dfe1e6;border-top:4px solid ${accent};border-radius:4px;font-family:${FONT};`,
  );
  const footer = css(`padding:12px 24px;border-top:1px solid #dfe1e6;color:${SUBTLE};font-size:12px;font-family:${FONT};`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${subjectLine(message)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${reasonLine(message)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="${card}">
<tr><td style="padding:24px;">
${mainSection(message, incident)}
</td></tr>
<tr><td style="${footer}">
Tandem · ${oneLine(message.engagement.name)} · sent to ${oneLine(message.recipient.name)} · delivery ${message.id}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}
