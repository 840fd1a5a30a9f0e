/**
 * The HTML part of a notification email. Mail clients strip <style> blocks
 * and scripts and render tables more reliably than anything else, so this is
 * a table layout with inline styles only; buttons are plain links styled as
 * buttons, so they work everywhere (and the text part carries the same links).
 */
import type { IncidentRef, OutboundMessage } from './channel.js';
import { formatInstant, incidentFacts, incidentReasonLine, messageTitle, oneLine, primaryIncident, reasonLine, subjectLine, testSentence } from './render.js';

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#172b4d';
const SUBTLE = '#5e6c84';
const GREEN = '#00875a';
const RED = '#de350b';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
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

function buttonHtml(label: string, url: string, color: string, small = false): string {
  const padding = small ? '6px 12px' : '12px 22px';
  const size = small ? '13px' : '15px';
  return (
    `<a href="${escapeHtml(url)}" style="display:inline-block;background:${color};color:#ffffff;font-family:${FONT};` +
    `font-size:${size};font-weight:600;line-height:1.2;padding:${padding};border-radius:4px;text-decoration:none;margin:0 8px 8px 0;">` +
    `${escapeHtml(label)}</a>`
  );
}

function badge(priority: string): string {
  return (
    `<span style="display:inline-block;background:${priorityColor(priority)};color:#ffffff;font-size:12px;font-weight:700;` +
    `padding:2px 8px;border-radius:3px;letter-spacing:0.5px;">${escapeHtml(priority)}</span>`
  );
}

function paragraph(html: string, style = ''): string {
  return `<p style="margin:0 0 16px 0;font-size:15px;line-height:1.5;color:${INK};${style}">${html}</p>`;
}

function factsTable(incident: IncidentRef): string {
  const rows = incidentFacts(incident)
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 16px 4px 0;color:${SUBTLE};font-size:14px;white-space:nowrap;vertical-align:top;">${escapeHtml(label)}</td>` +
        `<td style="padding:4px 0;color:${INK};font-size:14px;">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px 0;border-collapse:collapse;">${rows}</table>`;
}

function incidentSection(message: OutboundMessage, incident: IncidentRef): string {
  return [
    `<div style="margin:0 0 8px 0;">${badge(incident.priority)}</div>`,
    `<h1 style="margin:0 0 12px 0;font-size:22px;line-height:1.3;color:${INK};">${escapeHtml(messageTitle(message))}</h1>`,
    message.note === undefined ? '' : paragraph(escapeHtml(oneLine(message.note)), `color:${RED};font-weight:600;`),
    factsTable(incident),
    paragraph(escapeHtml(reasonLine(message)), `color:${SUBTLE};`),
    `<div style="margin:0 0 8px 0;">${buttonHtml('Acknowledge', incident.acknowledgeUrl, GREEN)}${buttonHtml('Resolve', incident.resolveUrl, RED)}</div>`,
    paragraph(`<a href="${escapeHtml(incident.url)}" style="color:#0052cc;">Open ${escapeHtml(incident.number)} in Tandem</a>`),
  ].join('\n');
}

function bundleSection(message: OutboundMessage): string {
  const rows = message.incidents
    .map((incident) => {
      const why = incidentReasonLine(message, incident);
      return (
        `<tr><td style="padding:12px 0;border-top:1px solid #dfe1e6;">` +
        `<div style="margin:0 0 4px 0;">${badge(incident.priority)} <a href="${escapeHtml(incident.url)}" style="color:#0052cc;font-weight:600;">${escapeHtml(incident.number)}</a> ` +
        `<span style="color:${INK};font-size:15px;">${escapeHtml(oneLine(incident.title))}</span></div>` +
        `<div style="margin:0 0 8px 0;color:${SUBTLE};font-size:13px;">${escapeHtml(incident.service.id)} · ${escapeHtml(incident.status)} · ${escapeHtml(incident.severity)} · opened ${escapeHtml(formatInstant(incident.createdAt))}</div>` +
        (why === undefined ? '' : `<div style="margin:0 0 8px 0;color:${SUBTLE};font-size:13px;">${escapeHtml(why)}</div>`) +
        `${buttonHtml('Acknowledge', incident.acknowledgeUrl, GREEN, true)}${buttonHtml('Resolve', incident.resolveUrl, RED, true)}` +
        `</td></tr>`
      );
    })
    .join('\n');
  const top: string[] = [];
  if (message.acknowledgeAllUrl !== undefined) top.push(buttonHtml('Acknowledge all', message.acknowledgeAllUrl, GREEN));
  if (message.overviewUrl !== undefined) top.push(buttonHtml('Open in Tandem', message.overviewUrl, '#0052cc'));
  return [
    `<h1 style="margin:0 0 12px 0;font-size:22px;line-height:1.3;color:${INK};">${escapeHtml(messageTitle(message))}</h1>`,
    paragraph(escapeHtml(reasonLine(message)), `color:${SUBTLE};`),
    message.note === undefined ? '' : paragraph(escapeHtml(oneLine(message.note))),
    top.length === 0 ? '' : `<div style="margin:0 0 8px 0;">${top.join('')}</div>`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">${rows}</table>`,
  ].join('\n');
}

/** The complete HTML document for `message`. */
export function emailHtml(message: OutboundMessage): string {
  const incident = primaryIncident(message);
  const main =
    incident !== undefined
      ? incidentSection(message, incident)
      : message.kind === 'bundle'
        ? bundleSection(message)
        : `<h1 style="margin:0 0 12px 0;font-size:22px;color:${INK};">${escapeHtml(messageTitle(message))}</h1>\n${paragraph(escapeHtml(testSentence(message)))}`;
  const accent = incident === undefined ? '#0052cc' : priorityColor(incident.priority);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subjectLine(message))}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(reasonLine(message))}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border:1px solid #dfe1e6;border-top:4px solid ${accent};border-radius:4px;font-family:${FONT};">
<tr><td style="padding:24px;">
${main}
</td></tr>
<tr><td style="padding:12px 24px;border-top:1px solid #dfe1e6;color:${SUBTLE};font-size:12px;font-family:${FONT};">
Tandem · ${escapeHtml(oneLine(message.engagement.name))} · sent to ${escapeHtml(oneLine(message.recipient.name))} · delivery ${escapeHtml(message.id)}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
