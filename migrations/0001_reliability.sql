CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`records` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`replayed_at` integer,
	`dropped_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE TABLE `engine_overrides` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`engine` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`model`, `version`)
);
--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `telemetry_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
