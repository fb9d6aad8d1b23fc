DROP TABLE audit_chain_head;
