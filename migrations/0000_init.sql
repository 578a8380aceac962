CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`delivered_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_pending` ON `alerts` (`delivered_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `check_states` (
	`model` text NOT NULL,
	`check` text NOT NULL,
	`subject` text NOT NULL,
	`status` text NOT NULL,
	`since` integer NOT NULL,
	PRIMARY KEY(`model`, `check`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `deployment_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`revision` integer NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`before` text,
	`after` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployment_events_model_revision` ON `deployment_events` (`model`,`revision`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`model` text PRIMARY KEY NOT NULL,
	`primary_version` integer NOT NULL,
	`canary_version` integer,
	`canary_percent` real,
	`shadows` text DEFAULT '[]' NOT NULL,
	`sample_rate` real DEFAULT 0.01 NOT NULL,
	`pii_salt` text NOT NULL,
	`revision` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `feature_profiles` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`bucket` integer NOT NULL,
	`bucket_ms` integer NOT NULL,
	`feature` text NOT NULL,
	`count` integer NOT NULL,
	`nulls` integer NOT NULL,
	`invalid` integer NOT NULL,
	`sum` real NOT NULL,
	`sum_sq` real NOT NULL,
	`min` real,
	`max` real,
	PRIMARY KEY(`model`, `version`, `bucket_ms`, `bucket`, `feature`)
);
--> statement-breakpoint
CREATE TABLE `feedback` (
	`model` text NOT NULL,
	`request_id` text NOT NULL,
	`instance` integer NOT NULL,
	`label` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`model`, `request_id`, `instance`)
);
--> statement-breakpoint
CREATE INDEX `feedback_model_time` ON `feedback` (`model`,`received_at`);--> statement-breakpoint
CREATE TABLE `health_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`version` integer,
	`check` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`value` real,
	`threshold` real,
	`window` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `health_checks_model_check_time` ON `health_checks` (`model`,`check`,`subject`,`created_at`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	`artifact_key` text,
	`manifest` text NOT NULL,
	`status` text NOT NULL,
	`qa_report` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`model`, `version`)
);
--> statement-breakpoint
CREATE TABLE `prediction_samples` (
	`request_id` text NOT NULL,
	`instance` integer NOT NULL,
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`role` text NOT NULL,
	`features` text NOT NULL,
	`prediction` text NOT NULL,
	`score` real NOT NULL,
	`label` text,
	`latency_ms` real NOT NULL,
	`slices` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`request_id`, `model`, `version`, `instance`)
);
--> statement-breakpoint
CREATE INDEX `prediction_samples_model_time` ON `prediction_samples` (`model`,`created_at`);--> statement-breakpoint
CREATE TABLE `profile_bins` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`bucket` integer NOT NULL,
	`bucket_ms` integer NOT NULL,
	`feature` text NOT NULL,
	`bin` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`model`, `version`, `bucket_ms`, `bucket`, `feature`, `bin`)
);
--> statement-breakpoint
CREATE TABLE `shadow_comparisons` (
	`request_id` text NOT NULL,
	`instance` integer NOT NULL,
	`model` text NOT NULL,
	`primary_version` integer NOT NULL,
	`shadow_version` integer NOT NULL,
	`primary_prediction` text NOT NULL,
	`shadow_prediction` text,
	`primary_score` real NOT NULL,
	`shadow_score` real,
	`primary_label` text,
	`shadow_label` text,
	`signed_diff` real,
	`abs_diff` real,
	`label_agree` integer,
	`primary_latency_ms` real NOT NULL,
	`shadow_latency_ms` real,
	`error` text,
	`slices` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`request_id`, `shadow_version`, `instance`)
);
--> statement-breakpoint
CREATE INDEX `shadow_comparisons_model_time` ON `shadow_comparisons` (`model`,`created_at`);--> statement-breakpoint
CREATE TABLE `telemetry_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`applied_at` integer NOT NULL
);
