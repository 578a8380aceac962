/**
 * Small building blocks of the dashboard pages.
 */
import type { Child } from 'hono/jsx';
import type { CheckStatus } from '../../monitoring/checks/types.ts';
import { STATUS_TEXT, STATUS_TONE, TONE_ICON, type Tone } from './format.ts';

export function Badge(props: { tone: Tone; children?: Child; title?: string }) {
  return (
    <span class={`badge ${props.tone}`} title={props.title}>
      <span class="icon" aria-hidden="true">
        {TONE_ICON[props.tone]}
      </span>
      {props.children}
    </span>
  );
}

/** A check status in colour and in words. */
export function StatusBadge(props: { status: CheckStatus; prefix?: string }) {
  return (
    <Badge tone={STATUS_TONE[props.status]}>
      {props.prefix ? `${props.prefix}: ` : ''}
      {STATUS_TEXT[props.status]}
    </Badge>
  );
}

let tableCount = 0;

/**
 * A table that scrolls sideways inside its own box on narrow screens instead of widening the page. The caption
 * sits above the box (a <caption> would scroll away with a wide table) and names the table.
 */
/** A numeric column's header (right-aligned, like its cells). */
export interface NumericColumn {
  num: Child;
}

/** Marks a column header as numeric. */
export function numeric(label: Child): NumericColumn {
  return { num: label };
}

function isNumeric(column: Child | NumericColumn): column is NumericColumn {
  return typeof column === 'object' && column !== null && 'num' in column;
}

/** A table's header row: one `<th scope="col">` per column, numeric ones (`numeric(label)`) right-aligned. */
export function Head(props: { cols: readonly (Child | NumericColumn)[] }) {
  return (
    <thead>
      <tr>
        {props.cols.map((column) =>
          isNumeric(column) ? (
            <th scope="col" class="num">
              {column.num}
            </th>
          ) : (
            <th scope="col">{column}</th>
          ),
        )}
      </tr>
    </thead>
  );
}

export function Table(props: { caption?: string; class?: string; children?: Child }) {
  const id = `table-${++tableCount}`;
  return (
    <div class="table-block">
      {props.caption ? (
        <p class="table-caption" id={id}>
          {props.caption}
        </p>
      ) : null}
      <div class="table-wrap" role="region" aria-labelledby={props.caption ? id : undefined} tabindex={0}>
        <table class={props.class} aria-labelledby={props.caption ? id : undefined}>
          {props.children}
        </table>
      </div>
    </div>
  );
}

/** What is missing and what to do about it. */
export function Empty(props: { children?: Child }) {
  return <p class="empty">{props.children}</p>;
}

export function Stat(props: { label: string; value: Child; sub?: Child }) {
  return (
    <div class="stat">
      <span class="label">{props.label}</span>
      <span class="value">{props.value}</span>
      {props.sub === undefined ? null : <span class="sub">{props.sub}</span>}
    </div>
  );
}

export function Figure(props: { caption?: Child; children?: Child }) {
  return (
    <figure>
      {props.children}
      {props.caption === undefined ? null : <figcaption>{props.caption}</figcaption>}
    </figure>
  );
}
