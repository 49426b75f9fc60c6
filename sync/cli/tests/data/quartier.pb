META
key;value
description;Budget participatif du quartier (exemple fait main)
country;France
unit;Bellevue
instance;2026
num_projects;4
num_votes;10
budget;1000
vote_type;approval
rule;equalshares/add1
min_length;1
max_length;4
PROJECTS
project_id;cost;votes;name
1;600;6;"Jardin partagé; serres"
2;400,0;6;Fontaine
3;400;4;Atelier vélo
4;150;1;Bancs
VOTES
voter_id;vote
v1;1,2,4
v2;2,1
v3;1,2
v4;1,2
v5;2,1
v6;1,2
v7;3
v8;3
v9;3
v10;3
