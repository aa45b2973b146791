-- Deletions notify subscribers (issue 9): an event records whether its change deleted the
-- resource, so the dispatcher knows there is no version to send (a rest-hook with a payload
-- gets a DELETE of <endpoint>/<type>/<id> instead). Events recorded before were never deletions.
ALTER TABLE subscription_event ADD COLUMN deleted boolean NOT NULL DEFAULT false;
